# The sound behind Tests/Fixtures/models/sung-voice (a tonal model for the
# phase tests): 48 notes of a harmonic voice, 110–440 Hz, 0.5–1 s each, with
# 5.5 Hz vibrato and the formants of an /a/ (700, 1220, 2600 Hz). Deterministic.
#
#   python3 Tests/Fixtures/make_sung_voice.py            # → sung.wav (36.6 s)
#   autocoder analyze sung.wav && autocoder train sung.wav
#   cp sung.wav.dec Tests/Fixtures/models/sung-voice.dec; cp sung.wav.mm Tests/Fixtures/models/sung-voice.mm
import numpy as np, wave
rate = 44100
rng = np.random.default_rng(7)
out = []
formants = [(700, 110), (1220, 120), (2600, 160)]
def envelope(f):
    return sum(np.exp(-0.5 * ((f - c) / w) ** 2) for c, w in formants) + 0.05
for note in range(48):
    f0 = 110 * 2 ** (rng.integers(0, 25) / 12)
    seconds = rng.uniform(0.5, 1.0)
    t = np.arange(int(seconds * rate)) / rate
    vibrato = 1 + 0.012 * np.sin(2 * np.pi * 5.5 * t)
    phase = 2 * np.pi * np.cumsum(f0 * vibrato) / rate
    x = np.zeros_like(t)
    for h in range(1, int(8000 / f0)):
        x += envelope(h * f0) / h ** 0.7 * np.sin(h * phase)
    fade = np.minimum(1, np.minimum(t, seconds - t) / 0.03)
    out.append(x * fade)
y = np.concatenate(out)
y = 0.5 * y / np.abs(y).max()
with wave.open("sung.wav", "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
    w.writeframes((y * 32767).astype("<i2").tobytes())
print(len(y) / rate, "s")
