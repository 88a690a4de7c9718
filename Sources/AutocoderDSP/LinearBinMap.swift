// A linear spectrum of one resolution played at another: the magnitudes of
// `sourceCount` bins, bin k at k × spacing Hz (for the training notebook's
// `.fft.dec`, the 4096 bins of an 8192-point FFT at 44.1 kHz), mapped onto the
// bins of an FFT of any size at any sample rate by frequency.
//
// Each target bin takes the power of the source bins around its frequency,
// weighted by a triangle as wide as the wider of the two bin spacings (linear
// interpolation of power where the target is finer; an average over the bins
// it covers where it is coarser), with weights that sum to 1. So the mean
// power per bin — what the synthesis level follows — is kept at any FFT size,
// and a peak is neither lost between target bins nor doubled. Above the
// source's top frequency (22050 Hz) the target is silent, as the mel bands are.
//
// Threading: immutable after init (which allocates); `map` neither allocates
// nor locks, so the audio thread may call it.

import Foundation

public struct LinearBinMap: Sendable {
    public let sourceCount: Int
    /// Target bins: fftSize / 2.
    public let binCount: Int

    /// Target bin b takes source bins tapStart[b] ..< tapStart[b] + tapCount[b],
    /// with weights[tapOffset[b] ..< tapOffset[b] + tapCount[b]].
    private let tapStart: [Int]
    private let tapCount: [Int]
    private let tapOffset: [Int]
    private let weights: [Float]

    public init(sourceCount: Int, sourceSpacing: Double, fftSize: Int, sampleRate: Double, highFrequency: Double = 22050) {
        precondition(sourceCount > 0 && sourceSpacing > 0 && fftSize >= 2 && fftSize % 2 == 0 && sampleRate > 0, "invalid bin map")
        self.sourceCount = sourceCount
        binCount = fftSize / 2
        let targetSpacing = sampleRate / Double(fftSize)
        let halfWidth = max(1, targetSpacing / sourceSpacing)
        var tapStart: [Int] = [], tapCount: [Int] = [], tapOffset: [Int] = [], weights: [Float] = []
        for b in 0..<binCount {
            let frequency = Double(b) * targetSpacing
            let position = frequency / sourceSpacing
            let first = max(0, Int((position - halfWidth).rounded(.up)))
            let last = min(sourceCount - 1, Int((position + halfWidth).rounded(.down)))
            var taps: [Double] = []
            if frequency <= highFrequency, first <= last {
                taps = (first...last).map { max(0, 1 - abs(Double($0) - position) / halfWidth) }
            }
            let sum = taps.reduce(0, +)
            tapStart.append(first)
            tapOffset.append(weights.count)
            tapCount.append(sum > 0 ? taps.count : 0)
            if sum > 0 { weights += taps.map { Float($0 / sum) } }
        }
        self.tapStart = tapStart
        self.tapCount = tapCount
        self.tapOffset = tapOffset
        self.weights = weights
    }

    /// target[0 ..< binCount] from source[0 ..< sourceCount] (negative source
    /// values count as 0). Real-time safe.
    public func map(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>) {
        weights.withUnsafeBufferPointer { w in
            for b in 0..<binCount {
                let start = tapStart[b], offset = tapOffset[b]
                var power: Float = 0
                for t in 0..<tapCount[b] {
                    let m = max(source[start + t], 0)
                    power += w[offset + t] * m * m
                }
                target[b] = power.squareRoot()
            }
        }
    }
}
