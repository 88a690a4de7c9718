// The mel filterbank of the published autocoder, stored sparsely.
//
// Equal to python_speech_features `get_filterbanks(nfilt, nfft, samplerate,
// lowfreq: 0, highfreq: 22050)` restricted to the first nfft/2 bins (the
// *inversion* matrix, filters x bins); the *analysis* matrix is its transpose
// with each filter divided by its sum (empty filters give 0, not NaN).
// At another sample rate the filters keep their frequencies in Hz, so a model
// trained at 44.1 kHz sounds at the same pitch.
//
// Each filter is a triangle over a contiguous run of bins and every bin lies
// in at most two filters, so both products cost O(nfft), not O(filters x nfft).
//
// Threading: immutable after init; the products neither allocate nor lock, so
// the audio thread may call them.

import Foundation

public struct MelFilterbank: Sendable {
    public let filterCount: Int
    public let fftSize: Int
    public let sampleRate: Double
    /// Linear-spectrum bins covered: fftSize / 2.
    public let binCount: Int
    /// Highest filter edge in Hz (the published models use 22050).
    public let highFrequency: Double

    /// Filter j covers bins runStart[j] ..< runStart[j] + runLength[j]; its weights
    /// are weights[runOffset[j] ..< runOffset[j] + runLength[j]].
    private let runStart: [Int]
    private let runLength: [Int]
    private let runOffset: [Int]
    private let weights: [Float]
    /// 1 / (sum of filter j), or 0 for an empty filter.
    private let inverseSums: [Float]

    public static func hzToMel(_ hz: Double) -> Double { 2595 * log10(1 + hz / 700) }
    public static func melToHz(_ mel: Double) -> Double { 700 * (pow(10, mel / 2595) - 1) }

    public init(filterCount: Int = 512, fftSize: Int, sampleRate: Double = 44100, highFrequency: Double = 22050) {
        precondition(filterCount > 0 && fftSize >= 2 && fftSize % 2 == 0 && sampleRate > 0, "invalid filterbank parameters")
        self.filterCount = filterCount
        self.fftSize = fftSize
        self.sampleRate = sampleRate
        self.binCount = fftSize / 2
        self.highFrequency = highFrequency

        // numpy.linspace(lowmel, highmel, nfilt + 2): i * step + start, last point exact.
        let highMel = Self.hzToMel(highFrequency)
        let step = highMel / Double(filterCount + 1)
        let edges: [Double] = (0..<filterCount + 2).map { i in
            let mel = i == filterCount + 1 ? highMel : Double(i) * step
            return floor(Double(fftSize + 1) * Self.melToHz(mel) / sampleRate)
        }

        var runStart: [Int] = [], runLength: [Int] = [], runOffset: [Int] = []
        var weights: [Float] = [], inverseSums: [Float] = []
        for j in 0..<filterCount {
            let (low, peak, high) = (edges[j], edges[j + 1], edges[j + 2])
            let start = Int(low)
            let end = min(Int(high), binCount)
            runStart.append(start)
            runOffset.append(weights.count)
            var sum = 0.0
            for i in start..<max(start, end) {
                let x = Double(i)
                let w = x < peak ? (x - low) / (peak - low) : (high - x) / (high - peak)
                weights.append(Float(w))
                sum += w
            }
            runLength.append(weights.count - runOffset[j])
            inverseSums.append(sum > 0 ? Float(1 / sum) : 0)
        }
        self.runStart = runStart
        self.runLength = runLength
        self.runOffset = runOffset
        self.weights = weights
        self.inverseSums = inverseSums
    }

    /// Entry (filter, bin) of the inversion matrix.
    public func inversionWeight(filter: Int, bin: Int) -> Float {
        let k = bin - runStart[filter]
        return k >= 0 && k < runLength[filter] ? weights[runOffset[filter] + k] : 0
    }

    /// Entry (bin, filter) of the analysis matrix.
    public func analysisWeight(bin: Int, filter: Int) -> Float {
        inversionWeight(filter: filter, bin: bin) * inverseSums[filter]
    }

    /// Stored non-zero weights (about fftSize).
    public var nonZeroCount: Int { weights.count }

    /// spectrum[0 ..< binCount] = mel[0 ..< filterCount] x inversion matrix. Real-time safe.
    public func melToSpectrum(_ mel: UnsafePointer<Float>, _ spectrum: UnsafeMutablePointer<Float>) {
        spectrum.update(repeating: 0, count: binCount)
        weights.withUnsafeBufferPointer { w in
            for j in 0..<filterCount {
                let start = runStart[j], offset = runOffset[j], value = mel[j]
                for k in 0..<runLength[j] { spectrum[start + k] += value * w[offset + k] }
            }
        }
    }

    /// mel[0 ..< filterCount] = spectrum[0 ..< binCount] x analysis matrix. Real-time safe.
    public func spectrumToMel(_ spectrum: UnsafePointer<Float>, _ mel: UnsafeMutablePointer<Float>) {
        weights.withUnsafeBufferPointer { w in
            for j in 0..<filterCount {
                let start = runStart[j], offset = runOffset[j]
                var sum: Float = 0
                for k in 0..<runLength[j] { sum += spectrum[start + k] * w[offset + k] }
                mel[j] = sum * inverseSums[j]
            }
        }
    }
}
