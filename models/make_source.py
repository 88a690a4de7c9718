#!/usr/bin/env python3
"""Synthesises models/drone.wav, the sound the bundled model was trained on.

    python3 models/make_source.py models/drone.wav

60 seconds, mono, 44100 Hz, 16-bit. Deterministic (fixed seed): the same file
every time, so the bundled model can be retrained from nothing but this script.
Made for this project and dedicated to the public domain (CC0 1.0).

What it contains, so the latent space has something to learn:
- a drone of three voices moving through eight chords (7.5 s each), each voice
  additive with 24 harmonics whose spectral tilt breathes slowly;
- struck bell-like tones (inharmonic partials, exponential decay) every 1–3 s;
- breathy band-limited noise that swells and fades.
"""
import sys
import wave

import numpy as np

RATE = 44100
SECONDS = 60


def main(path):
    rng = np.random.default_rng(2026)
    t = np.arange(RATE * SECONDS) / RATE
    out = np.zeros_like(t)

    # Chords as MIDI notes; crossfaded over one second at each change.
    chords = [[45, 52, 57], [50, 57, 62], [53, 60, 65], [48, 55, 64],
              [46, 53, 62], [43, 50, 59], [45, 52, 61], [41, 48, 57]]
    chord_length = SECONDS / len(chords)
    for index, chord in enumerate(chords):
        start = index * chord_length
        envelope = np.clip(np.minimum(t - start + 0.5, start + chord_length + 0.5 - t), 0, 1)
        active = envelope > 0
        tt = t[active]
        for voice, note in enumerate(chord):
            f0 = 440 * 2 ** ((note - 69) / 12)
            tilt = 1.2 + 0.8 * np.sin(2 * np.pi * tt / (11 + 3 * voice) + voice)
            vibrato = 1 + 0.002 * np.sin(2 * np.pi * 5.1 * tt + voice)
            phase = 2 * np.pi * f0 * np.cumsum(vibrato) / RATE
            for h in range(1, 25):
                if f0 * h > 18000:
                    break
                out[active] += envelope[active] * 0.08 * h ** (-tilt) * np.sin(h * phase + rng.uniform(0, 2 * np.pi))

    # Bells: inharmonic partials with decays that shorten with frequency.
    time = 0.5
    while time < SECONDS - 2:
        base = rng.choice([220, 293.66, 349.23, 392, 523.25])
        onset = int(time * RATE)
        length = min(int(4 * RATE), len(t) - onset)
        tb = np.arange(length) / RATE
        for ratio, level in [(1, 1), (2.76, 0.6), (5.40, 0.4), (8.93, 0.25), (13.34, 0.15)]:
            out[onset:onset + length] += 0.12 * level * np.exp(-tb * (1.5 + ratio * 0.6)) * np.sin(2 * np.pi * base * ratio * tb)
        time += rng.uniform(1, 3)

    # Breath: white noise through a slowly moving two-pole band-pass, with a swelling envelope.
    noise = rng.standard_normal(len(t))
    centre = 800 + 2500 * (0.5 + 0.5 * np.sin(2 * np.pi * t / 17))
    r = 0.995
    y1 = y2 = 0.0
    breath = np.empty_like(t)
    cosines = np.cos(2 * np.pi * centre / RATE)
    for n in range(len(t)):
        y = (1 - r) * noise[n] + 2 * r * cosines[n] * y1 - r * r * y2
        breath[n] = y
        y2, y1 = y1, y
    swell = np.clip(np.sin(2 * np.pi * t / 13) * 1.5 - 0.3, 0, 1) ** 2
    out += 0.6 * swell * breath / np.abs(breath).max()

    out *= 0.9 / np.abs(out).max()
    fade = np.minimum(1, np.minimum(t, SECONDS - t) / 0.05)
    samples = np.round(out * fade * 32767).astype("<i2")
    with wave.open(path, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(RATE)
        f.writeframes(samples.tobytes())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "models/drone.wav")
