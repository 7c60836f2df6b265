#!/usr/bin/env python3
"""Checks that what an audio device played carries the source signal. The
device's raw output (48 kHz interleaved float32, as alsa-lib's file plugin
writes it) starts with silence and is late by an unknown number of samples:
the lag is found from the first audible sample (coarsely, on a decimated
copy, then sample-exact), and the normalized correlation of the two mono
sums at that lag must reach a threshold. Prints a JSON summary.

    raw_compare.py SOURCE.wav PLAYED.raw CHANNELS [MIN_CORRELATION] [MIN_SECONDS]
"""
import array
import json
import math
import sys
import wave


def wav_mono(path):
    with wave.open(path, 'rb') as w:
        width, channels = w.getsampwidth(), w.getnchannels()
        assert width == 2 and w.getframerate() == 48000, 'a 48 kHz 16-bit WAV'
        pcm = array.array('h', w.readframes(w.getnframes()))
    return [sum(pcm[i:i + channels]) / (channels * 32768.0) for i in range(0, len(pcm), channels)]


def raw_mono(path, channels):
    pcm = array.array('f')
    with open(path, 'rb') as f:
        pcm.frombytes(f.read())
    return [sum(pcm[i:i + channels]) / channels for i in range(0, len(pcm) - channels + 1, channels)]


def correlation(a, b):
    sab = sum(x * y for x, y in zip(a, b))
    saa = sum(x * x for x in a)
    sbb = sum(y * y for y in b)
    return sab / math.sqrt(saa * sbb) if saa > 0 and sbb > 0 else 0.0


def decimate(x, k):
    return [sum(x[i:i + k]) / k for i in range(0, len(x) - k + 1, k)]


def best_lag(source, played, guess, radius, step, window):
    """The lag (played index - source index) near `guess` that correlates best."""
    best = (-2.0, guess)
    for lag in range(guess - radius, guess + radius + 1, step):
        start = max(0, -lag)
        a = source[start:start + window]
        b = played[start + lag:start + lag + window]
        if len(b) == len(a) and a:
            best = max(best, (correlation(a, b), lag))
    return best[1]


def main():
    source = wav_mono(sys.argv[1])
    played = raw_mono(sys.argv[2], int(sys.argv[3]))
    minimum = float(sys.argv[4]) if len(sys.argv) > 4 else 0.9
    min_seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 1.0
    onset = next((i for i, v in enumerate(played) if abs(v) > 1e-3), None)
    if onset is None:
        print(json.dumps({'ok': False, 'why': 'the device played silence',
                          'played_seconds': len(played) / 48000}))
        sys.exit(1)
    # The listener may have missed the stream's first frames: search a
    # quarter second around the onset at 1.5 kHz, then exactly.
    k = 32
    coarse = best_lag(decimate(source, k), decimate(played, k), onset // k, 12000 // k, 1, 48000 // k)
    lag = best_lag(source, played, coarse * k, 2 * k, 1, 12000)
    start = max(0, onset - lag)
    end = min(len(source), len(played) - lag)
    corr = correlation(source[start:end], played[start + lag:end + lag]) if end > start else 0.0
    seconds = max(0, end - start) / 48000
    ok = corr >= minimum and seconds >= min_seconds
    print(json.dumps({'correlation': round(corr, 4), 'lag_samples': lag,
                      'compared_seconds': round(seconds, 3), 'onset_sample': onset, 'ok': ok}))
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
