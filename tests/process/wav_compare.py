#!/usr/bin/env python3
"""Checks that a WAV received through a session carries the source signal:
the normalized correlation of the two (mono sums) over the received file's
non-silent part, at the alignment the timeline gives (sample n of both is
timeline sample n), must reach a threshold. Prints a JSON summary.

    wav_compare.py SOURCE.wav RECEIVED.wav [MIN_CORRELATION] [MIN_SECONDS]
"""
import json
import math
import sys
import wave


def mono(path):
    with wave.open(path, 'rb') as w:
        if w.getframerate() != 48000:
            sys.exit(f'{path}: {w.getframerate()} Hz, expected 48000')
        width, channels = w.getsampwidth(), w.getnchannels()
        raw = w.readframes(w.getnframes())
    scale = float(1 << (8 * width - 1))
    step = width * channels
    out = []
    for i in range(0, len(raw) - step + 1, step):
        total = 0
        for c in range(channels):
            b = raw[i + c * width:i + (c + 1) * width]
            total += int.from_bytes(b, 'little', signed=True)
        out.append(total / (channels * scale))
    return out


def correlation(a, b):
    sab = sum(x * y for x, y in zip(a, b))
    saa = sum(x * x for x in a)
    sbb = sum(y * y for y in b)
    return sab / math.sqrt(saa * sbb) if saa > 0 and sbb > 0 else 0.0


def main():
    source, received = mono(sys.argv[1]), mono(sys.argv[2])
    minimum = float(sys.argv[3]) if len(sys.argv) > 3 else 0.9
    min_seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 1.0
    # The received file starts with silence until the first packet was heard.
    start = next((i for i, v in enumerate(received) if abs(v) > 1e-4), len(received))
    end = min(len(source), len(received))
    seconds = max(0, end - start) / 48000
    corr = correlation(source[start:end], received[start:end]) if end > start else 0.0
    ok = corr >= minimum and seconds >= min_seconds
    print(json.dumps({'correlation': round(corr, 4), 'compared_seconds': round(seconds, 3),
                      'first_heard_sample': start, 'ok': ok}))
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
