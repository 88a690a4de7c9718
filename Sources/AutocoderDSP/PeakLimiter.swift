// A transparent look-ahead peak limiter: the last stage of the output, in
// place of a hard clip, so that no sample reaches the ceiling (−1 dBFS) at any
// gain, and a signal that stays below it passes unchanged, only delayed.
//
// How: each input sample x needs the gain min(1, ceiling / |x|). The gain
// target is the least of those needs over the look-ahead window plus a hold
// window; the gain falls to a lower target at once and rises towards a higher
// one with a smooth exponential release; a moving average as long as the
// look-ahead then turns each fall into a ramp that has finished by the time
// the peak that caused it leaves the delay line. Every sample that average
// covers is at most the peak's need, so the peak comes out at or below the
// ceiling — no overshoot and no flat top. The hold (100 ms) keeps the gain
// steady on a dense signal (a drone's peaks in any 100 ms window are alike),
// so the release (300 ms) does not pump between them.
//
// One limiter per output channel: a peak on one speaker of a multichannel
// rig does not duck the others.
//
// Latency: `latency` samples (the look-ahead: 2 ms by default).
//
// Threading: built off the audio thread (it allocates its delay lines); then
// one thread — the render thread — calls `process`, which neither allocates
// nor locks. `gainReduction` and `limitedSamples` are plain figures for that
// thread to publish.

import Foundation

public final class PeakLimiter: @unchecked Sendable {
    /// The ceiling, linear: −1 dBFS.
    public static let defaultCeiling: Float = 0.891_250_9
    public let ceiling: Float
    /// Samples between an input sample and its output.
    public let latency: Int

    private let lookAhead: Int
    /// The gain target looks this many samples back: look-ahead plus hold.
    private let window: Int
    private let releaseCoefficient: Float

    /// Delay line of the input, `lookAhead` long.
    private let delay: UnsafeMutableBufferPointer<Float>
    /// Sliding minimum of the needed gains: a monotonic deque (ring) of
    /// (sample number, need), needs increasing from front to back.
    private let dequeIndex: UnsafeMutableBufferPointer<Int>
    private let dequeNeed: UnsafeMutableBufferPointer<Float>
    private var dequeFront = 0
    private var dequeCount = 0
    /// The released gains of the last `lookAhead` samples, and their sum.
    private let released: UnsafeMutableBufferPointer<Float>
    private var releasedSum: Double
    private var releasedGain: Float = 1
    private var sampleNumber = 0

    /// Lowest gain applied since the last `takeGainReduction` (1 = none).
    private var lowestGain: Float = 1
    /// Input samples above the ceiling (the ones the limiter had to reduce).
    public private(set) var limitedSamples = 0

    public init(sampleRate: Double, ceiling: Float = PeakLimiter.defaultCeiling,
                lookAheadSeconds: Double = 0.002, holdSeconds: Double = 0.1, releaseSeconds: Double = 0.3) {
        precondition(sampleRate > 0 && ceiling > 0 && lookAheadSeconds >= 0 && holdSeconds >= 0 && releaseSeconds > 0,
                     "invalid limiter settings")
        self.ceiling = ceiling
        lookAhead = max(1, Int((lookAheadSeconds * sampleRate).rounded()))
        latency = lookAhead
        // At least one sample longer than the look-ahead, so that every gain the
        // average covers has seen the peak leaving the delay line.
        window = lookAhead + max(1, Int((holdSeconds * sampleRate).rounded()))
        releaseCoefficient = Float(1 - exp(-1 / (releaseSeconds * sampleRate)))
        delay = .allocate(capacity: lookAhead)
        delay.initialize(repeating: 0)
        dequeIndex = .allocate(capacity: window)
        dequeIndex.initialize(repeating: 0)
        dequeNeed = .allocate(capacity: window)
        dequeNeed.initialize(repeating: 1)
        released = .allocate(capacity: lookAhead)
        released.initialize(repeating: 1)
        releasedSum = Double(lookAhead)
    }

    deinit {
        delay.deallocate()
        dequeIndex.deallocate()
        dequeNeed.deallocate()
        released.deallocate()
    }

    /// Limits `count` samples in place, `stride` apart (one channel of
    /// interleaved frames); each comes out `latency` samples later. Real-time safe.
    public func process(_ samples: UnsafeMutablePointer<Float>, count: Int, stride: Int = 1) {
        for i in 0..<count {
            let x = samples[i * stride]
            let magnitude = abs(x)
            var need: Float = 1
            if magnitude > ceiling {
                need = ceiling / magnitude
                limitedSamples &+= 1
            }
            pushNeed(need)
            let target = dequeNeed[dequeFront]
            releasedGain = target < releasedGain ? target : releasedGain + (target - releasedGain) * releaseCoefficient

            let slot = sampleNumber % lookAhead
            releasedSum += Double(releasedGain) - Double(released[slot])
            released[slot] = releasedGain
            // Rounding in the running sum must never let a peak through.
            let gain = min(Float(releasedSum / Double(lookAhead)), 1)
            let delayed = delay[slot]
            delay[slot] = x
            samples[i * stride] = min(max(delayed * gain, -ceiling), ceiling)
            if gain < lowestGain { lowestGain = gain }
            sampleNumber &+= 1
        }
    }

    /// The deepest gain reduction since the last call, in dB (≥ 0).
    public func takeGainReduction() -> Float {
        let lowest = lowestGain
        lowestGain = 1
        return lowest >= 1 ? 0 : -20 * log10f(lowest)
    }

    /// Forgets everything it holds: silence in the delay line, no reduction.
    public func reset() {
        delay.update(repeating: 0)
        released.update(repeating: 1)
        releasedSum = Double(lookAhead)
        releasedGain = 1
        dequeFront = 0
        dequeCount = 0
    }

    /// Adds this sample's need to the sliding minimum over the last `window` samples.
    @inline(__always)
    private func pushNeed(_ need: Float) {
        // The front falls out of the window first, so the ring never holds more than `window`.
        if dequeCount > 0, sampleNumber - dequeIndex[dequeFront] >= window {
            dequeFront = (dequeFront + 1) % window
            dequeCount -= 1
        }
        // Needs behind the new one that are no lower can never be the minimum again.
        while dequeCount > 0 {
            let back = (dequeFront + dequeCount - 1) % window
            guard dequeNeed[back] >= need else { break }
            dequeCount -= 1
        }
        let slot = (dequeFront + dequeCount) % window
        dequeIndex[slot] = sampleNumber
        dequeNeed[slot] = need
        dequeCount += 1
    }
}
