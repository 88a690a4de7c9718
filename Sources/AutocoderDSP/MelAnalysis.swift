// The published analysis: a sound becomes mel frames for training.
//
// Window N = 16384 (symmetric Hann, as scipy's hann(N)), hop 1024, magnitude
// of the real FFT, first N/2 bins times the analysis matrix → 512 mel values.
// Frames i = 0 ..< round(len / 1024) − 16 (Python's round: half to even).
// `normalized` divides each frame's magnitudes by their peak first (for
// autocoding). Values are unscaled; an empty filter gives 0 (NaN in Python).
//
// Threading: `frames` allocates, for offline use on any thread. `analyze`
// (one frame) does not, so the audio thread may call it; one thread per
// analysis, as it works in its FFT's buffers.

import Foundation

public struct MelAnalysis {
    public static let fftSize = 16384
    public static let hop = 1024

    public let filterbank: MelFilterbank
    /// Samples per analysed frame.
    public let size: Int
    private let window: [Float]
    private let fft: RealFFT

    /// The training analysis (N = 16384 at 44.1 kHz), or another `size` and rate
    /// with the same bands (0 to 22050 Hz).
    public init(melCount: Int = 512, size: Int = Self.fftSize, sampleRate: Double = 44100) {
        self.size = size
        filterbank = MelFilterbank(filterCount: melCount, fftSize: size, sampleRate: sampleRate)
        window = (0..<size).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(size - 1))) }
        fft = RealFFT(size: size)
    }

    /// Frames the published tool analyses in a sound of `sampleCount` samples (may be ≤ 0).
    public static func frameCount(sampleCount: Int) -> Int {
        Int((Double(sampleCount) / Double(hop)).rounded(.toNearestOrEven)) - 16
    }

    /// Mel frames, row after row (frameCount × melCount). `progress` gets 0…1.
    public func frames(of samples: [Float], normalized: Bool = false, progress: (Double) -> Void = { _ in }) -> [Float] {
        let count = max(0, Self.frameCount(sampleCount: samples.count))
        let mels = filterbank.filterCount
        var output = [Float](repeating: 0, count: count * mels)
        samples.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                for frame in 0..<count {
                    _ = analyze(frame: input.baseAddress! + frame * Self.hop, normalized: normalized,
                                into: out.baseAddress! + frame * mels)
                    if frame % 64 == 0 { progress(Double(frame) / Double(count)) }
                }
            }
        }
        progress(1)
        return output
    }

    /// One frame: the `size` samples at `frame` windowed, the magnitudes of their
    /// spectrum (divided by their peak when `normalized`) through the filterbank
    /// into `mel`. Returns the peak magnitude (0 for silence). Allocation-free.
    public func analyze(frame: UnsafePointer<Float>, normalized: Bool, into mel: UnsafeMutablePointer<Float>) -> Float {
        for i in 0..<size { fft.samples[i] = frame[i] * window[i] }
        fft.forward()
        // The samples are spent; their buffer (size ≥ size/2 + 1) takes the magnitudes.
        let magnitude = fft.samples
        let bins = size / 2
        var peak: Float = 0
        for k in 0...bins {
            let re = fft.spectrum[2 * k], im = fft.spectrum[2 * k + 1]
            magnitude[k] = (re * re + im * im).squareRoot()
            peak = max(peak, magnitude[k])
        }
        if normalized, peak != 0 {
            for k in 0..<bins { magnitude[k] /= peak }
        }
        filterbank.spectrumToMel(magnitude, mel)
        return peak
    }
}
