#!/usr/bin/env python3
# The published generative synthesis loop (SPEC §3) as a Python autocoder user
# runs it: TensorFlow Lite's interpreter for the decoder, numpy for the rest,
# one hop at a time. It is the peer that autocoder-bench compares `autocoder
# render` with, so it is written as a competent user would write it: the
# interpreter and the dense 512 x fft/2 mel inversion matrix built once,
# vectorised numpy per hop, set_tensor / invoke / get_tensor per hop.
#
#   .venv-litert/bin/python scripts/python-loop.py --model models/drone.wav --hops 2000
#
# Prints one line: hops, wall seconds of the loop, CPU seconds of the whole
# process (time.process_time(): every thread, the imports and the interpreter's
# start-up included) and CPU microseconds per hop of the loop alone.
#
# Single-threaded, as `autocoder render` is: the interpreter gets one thread,
# and numpy's OpenBLAS is held to one unless OPENBLAS_NUM_THREADS says
# otherwise (its helper threads would spin on a vector-matrix product this
# small and bill the spinning as CPU time).

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import time
import wave

import numpy as np
from ai_edge_litert.interpreter import Interpreter

SAMPLE_RATE = 44100


def hz_to_mel(hz):
    return 2595 * np.log10(1 + hz / 700)


def mel_to_hz(mel):
    return 700 * (10 ** (mel / 2595) - 1)


def get_filterbanks(nfilt, nfft, samplerate, lowfreq, highfreq):
    """python_speech_features' triangular filterbank, nfilt x (nfft/2 + 1):
    filter j rises from bin[j] to bin[j+1] and falls to bin[j+2], upper ends
    exclusive."""
    points = mel_to_hz(np.linspace(hz_to_mel(lowfreq), hz_to_mel(highfreq), nfilt + 2))
    edges = np.floor((nfft + 1) * points / samplerate)
    left, centre, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    i = np.arange(nfft // 2 + 1)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        rising = np.where((i >= left) & (i < centre), (i - left) / (centre - left), 0)
        falling = np.where((i >= centre) & (i < right), (right - i) / (right - centre), 0)
    return rising + falling


def read_mm(path):
    """The .mm file: scale_mult, scale_subtract, then minin, maxin, …"""
    with open(path) as file:
        rows = [[float(value) for value in line.replace(",", " ").split()] for line in file if line.strip()]
    return np.array(rows[0]), np.array(rows[1]), rows[2][1]


def write_wav(path, samples):
    """16-bit mono, peak-normalised to -1 dBFS (the published chain has no fixed level)."""
    peak = np.max(np.abs(samples)) or 1
    pcm = np.round(samples / peak * (10 ** (-1 / 20)) * 32767).astype("<i2")
    with wave.open(path, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(SAMPLE_RATE)
        file.writeframes(pcm.tobytes())


def main():
    parser = argparse.ArgumentParser(description="The published synthesis loop in Python + TensorFlow Lite, timed.")
    parser.add_argument("--model", required=True, help="anchor: reads ANCHOR.dec and ANCHOR.mm")
    parser.add_argument("--hops", type=int, default=2000)
    parser.add_argument("--fft", type=int, default=4096)
    parser.add_argument("--hop", type=int, default=512)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", help="write the sound here (16-bit WAV)")
    parser.add_argument("--no-walk", action="store_true", help="hold the latent values")
    parser.add_argument("--latent", type=float, nargs="+", help="starting latent values in [0,1] (default 0.5 each)")
    args = parser.parse_args()

    scale_mult, scale_subtract, maxin = read_mm(args.model + ".mm")
    dimensions = len(scale_mult)
    interpreter = Interpreter(model_path=args.model + ".dec", num_threads=1)
    interpreter.allocate_tensors()
    latent_input = interpreter.get_input_details()[0]["index"]
    mel_output = interpreter.get_output_details()[0]["index"]

    n, hop, bins = args.fft, args.hop, args.fft // 2
    inversion = get_filterbanks(512, n, SAMPLE_RATE, 0, 22050)[:, :bins].astype(np.float32)
    tilt = ((np.arange(bins) / bins) ** 0.1 * 10).astype(np.float32)
    level = np.float32(maxin / 32)
    # Periodic Hann, and the overlap-add normalised (power of independent
    # random-phase frames) in place of the published factor 250.
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)) * (2 * hop / n) / np.sqrt(1.5 * hop / n) / np.sqrt(n)

    rng = np.random.default_rng(args.seed)
    v = np.full(dimensions, 0.5)
    if args.latent:
        v[: len(args.latent)] = args.latent
    smoothed = np.zeros(bins, dtype=np.float32)
    spectrum = np.zeros(bins + 1, dtype=np.complex64)   # Nyquist stays 0
    accumulator = np.zeros(n)
    output = np.empty(args.hops * hop)

    wall, cpu = time.perf_counter(), time.process_time()
    for h in range(args.hops):
        if not args.no_walk:
            v = np.clip(v + (rng.random(dimensions) - 0.5) / 10, 0, 1)
        interpreter.set_tensor(latent_input, (v * scale_mult + scale_subtract).astype(np.float32)[None, :])
        interpreter.invoke()
        mel = interpreter.get_tensor(mel_output)[0]
        magnitude = np.clip(mel @ inversion * level, 0, 10000) * tilt
        smoothed = 0.1 * magnitude + 0.9 * smoothed
        spectrum[:bins] = smoothed * np.exp(1j * rng.uniform(-np.pi, np.pi, bins))
        spectrum[0] = 0
        accumulator += np.fft.irfft(spectrum, n) * window
        output[h * hop : (h + 1) * hop] = accumulator[:hop]
        accumulator[:-hop] = accumulator[hop:]
        accumulator[-hop:] = 0
    wall, loop_cpu = time.perf_counter() - wall, time.process_time() - cpu

    if args.out:
        write_wav(args.out, output)
    print(f"hops {args.hops}  wall {wall:.3f} s  cpu {time.process_time():.3f} s (whole process)"
          f"  {loop_cpu / args.hops * 1e6:.1f} µs cpu/hop (loop)")


if __name__ == "__main__":
    main()
