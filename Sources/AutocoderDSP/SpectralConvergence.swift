// How far a sound's own STFT magnitude is from the magnitude it was asked to
// have: spectral convergence, SC = ‖|STFT(y)| − c·S‖ / ‖c·S‖ in dB, with c
// the least-squares scale, over Hann frames of the synthesis's FFT size and
// hop. Lower is better; 0 dB is as far off as silence.
//
// Any thread; allocates (for measurement, not for the audio thread).

import Foundation

public enum SpectralConvergence {
    /// SC of `signal` against `target` (the magnitudes of bins 0 ..< fftSize/2,
    /// the same for every frame: a held spectrum), over every frame of
    /// `fftSize` samples every `hop` that fits in `signal`.
    public static func decibels(_ signal: [Float], target: [Float], fftSize: Int, hop: Int) -> Double {
        precondition(target.count == fftSize / 2, "one target magnitude per bin")
        let fft = RealFFT(size: fftSize)
        let window = periodicHannWindow(fftSize)
        var magnitudes: [[Double]] = []
        for start in stride(from: 0, through: signal.count - fftSize, by: hop) {
            for i in 0..<fftSize { fft.samples[i] = signal[start + i] * window[i] }
            fft.forward()
            magnitudes.append((0..<fftSize / 2).map { k in
                let re = Double(fft.spectrum[2 * k]), im = Double(fft.spectrum[2 * k + 1])
                return (re * re + im * im).squareRoot()
            })
        }
        var cross = 0.0, power = 0.0
        for frame in magnitudes {
            for k in frame.indices {
                cross += frame[k] * Double(target[k])
                power += Double(target[k]) * Double(target[k])
            }
        }
        let scale = power > 0 ? cross / power : 0
        var error = 0.0, reference = 0.0
        for frame in magnitudes {
            for k in frame.indices {
                let wanted = scale * Double(target[k])
                error += (frame[k] - wanted) * (frame[k] - wanted)
                reference += wanted * wanted
            }
        }
        return 10 * log10(error / max(reference, 1e-300))
    }
}
