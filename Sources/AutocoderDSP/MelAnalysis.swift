// The published analysis: a sound becomes mel frames for training.
//
// Window N = 16384 (symmetric Hann, as scipy's hann(N)), hop 1024, magnitude
// of the real FFT, first N/2 bins times the analysis matrix → 512 mel values.
// Frames i = 0 ..< round(len / 1024) − 16 (Python's round: half to even).
// `normalized` divides each frame's magnitudes by their peak first (for
// autocoding). Values are unscaled; an empty filter gives 0 (NaN in Python).
// Allocates; for offline use on any thread.

import Foundation

public struct MelAnalysis {
    public static let fftSize = 16384
    public static let hop = 1024

    public let filterbank: MelFilterbank
    private let window: [Float]
    private let fft: RealFFT

    public init(melCount: Int = 512) {
        filterbank = MelFilterbank(filterCount: melCount, fftSize: Self.fftSize)
        let n = Self.fftSize
        window = (0..<n).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(n - 1))) }
        fft = RealFFT(size: n)
    }

    /// Frames the published tool analyses in a sound of `sampleCount` samples (may be ≤ 0).
    public static func frameCount(sampleCount: Int) -> Int {
        Int((Double(sampleCount) / Double(hop)).rounded(.toNearestOrEven)) - 16
    }

    /// Mel frames, row after row (frameCount × melCount). `progress` gets 0…1.
    public func frames(of samples: [Float], normalized: Bool = false, progress: (Double) -> Void = { _ in }) -> [Float] {
        let count = max(0, Self.frameCount(sampleCount: samples.count))
        let n = Self.fftSize, bins = n / 2, mels = filterbank.filterCount
        var output = [Float](repeating: 0, count: count * mels)
        var magnitude = [Float](repeating: 0, count: bins + 1)
        for frame in 0..<count {
            let start = frame * Self.hop
            for i in 0..<n { fft.samples[i] = samples[start + i] * window[i] }
            fft.forward()
            var peak: Float = 0
            for k in 0...bins {
                let re = fft.spectrum[2 * k], im = fft.spectrum[2 * k + 1]
                magnitude[k] = (re * re + im * im).squareRoot()
                peak = max(peak, magnitude[k])
            }
            if normalized, peak != 0 {
                for k in 0..<bins { magnitude[k] /= peak }
            }
            output.withUnsafeMutableBufferPointer { out in
                filterbank.spectrumToMel(magnitude, out.baseAddress! + frame * mels)
            }
            if frame % 64 == 0 { progress(Double(frame) / Double(count)) }
        }
        progress(1)
        return output
    }
}
