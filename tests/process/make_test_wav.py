#!/usr/bin/env python3
"""Writes a 48 kHz stereo 16-bit WAV of a few instruments' worth of tones
(a bass, a chord that changes every half second, a click), loud enough to
measure and varied enough that a misaligned copy does not correlate.

    make_test_wav.py OUT.wav SECONDS
"""
import math
import struct
import sys
import wave

RATE = 48000


def sample(n):
    t = n / RATE
    bar = int(t * 2)
    roots = [110.0, 146.83, 164.81, 130.81]
    root = roots[bar % len(roots)]
    bass = 0.30 * math.sin(2 * math.pi * root * t)
    chord = sum(0.10 * math.sin(2 * math.pi * root * 2 * r * t) for r in (1.0, 1.26, 1.5))
    click = 0.25 * math.exp(-((t * 4) % 1.0) * 60) * math.sin(2 * math.pi * 2000 * t)
    left = bass + chord + click
    right = bass + 0.8 * chord - click
    return left, right


def main():
    out, seconds = sys.argv[1], float(sys.argv[2])
    frames = bytearray()
    for n in range(int(seconds * RATE)):
        left, right = sample(n)
        frames += struct.pack('<hh', int(left * 32767), int(right * 32767))
    with wave.open(out, 'wb') as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))


if __name__ == '__main__':
    main()
