// The step the autocode and filter voices share: an input frame's spectrum
// given new magnitudes while it keeps its own phases and its energy, so what
// comes out follows the input's timing and loudness whatever the model's
// envelope is.
//
// Real-time safe: works in place on the caller's buffers.

import AutocoderDSP

enum CrossSynthesis {
    /// The analysis window (periodic Hann) of frames of `fftSize` samples at
    /// `hop`, and the synthesis window that brings their unnormalised inverse
    /// FFTs' overlap-add back to the input: Hann / (N × Σ overlapping Hann²).
    static func windows(fftSize n: Int, hop: Int) -> (analysis: [Float], synthesis: [Float]) {
        let hann = periodicHannWindow(n)
        var overlap = [Float](repeating: 0, count: hop)
        for i in 0..<n { overlap[i % hop] += hann[i] * hann[i] }
        return (hann, (0..<n).map { hann[$0] / (Float(n) * overlap[$0 % hop]) })
    }

    /// Replaces the magnitudes of `spectrum`'s bins 1 ..< `bins` (interleaved
    /// re, im; the FFT's half spectrum) by `target`'s, scaled so that the frame
    /// keeps its energy, each bin keeping its phase (a bin with none takes
    /// phase 0). DC and Nyquist become 0. Returns false, leaving `spectrum`
    /// untouched, when the frame or the target is silent.
    @inline(__always)
    static func impose(_ target: UnsafePointer<Float>, on spectrum: UnsafeMutablePointer<Float>, bins: Int) -> Bool {
        var inputEnergy: Float = 0, targetEnergy: Float = 0
        for k in 1..<bins {
            let re = spectrum[2 * k], im = spectrum[2 * k + 1]
            inputEnergy += re * re + im * im
            targetEnergy += target[k] * target[k]
        }
        guard inputEnergy > 0, targetEnergy > 0 else { return false }
        let level = (inputEnergy / targetEnergy).squareRoot()
        spectrum[0] = 0
        spectrum[1] = 0
        for k in 1..<bins {
            let re = spectrum[2 * k], im = spectrum[2 * k + 1]
            let length = (re * re + im * im).squareRoot()
            let magnitude = target[k] * level
            if length > 0 {
                spectrum[2 * k] = re / length * magnitude
                spectrum[2 * k + 1] = im / length * magnitude
            } else {
                spectrum[2 * k] = magnitude
                spectrum[2 * k + 1] = 0
            }
        }
        spectrum[2 * bins] = 0
        spectrum[2 * bins + 1] = 0
        return true
    }
}
