// Figures the render thread publishes through atomics (engine-wide; each
// voice's own are in its VoiceStatus). The render thread
// writes; any thread reads. No locks either way.

import Atomics
import Foundation

public final class EngineStatus: @unchecked Sendable {
    /// Smoothed and peak (since the last `takePeakLoad`) render time / real time, in millionths.
    private let loadMillionths = ManagedAtomic<Int>(0)
    private let peakLoadMillionths = ManagedAtomic<Int>(0)
    /// Output underflows reported by the audio driver.
    public let xruns = ManagedAtomic<Int>(0)
    public let renderedFrames = ManagedAtomic<Int>(0)
    /// Frames of the latest render call (the device's block).
    public let blockFrames = ManagedAtomic<Int>(0)
    public let hops = ManagedAtomic<Int>(0)
    public let appliedCommands = ManagedAtomic<Int>(0)
    /// Commands the render thread has taken off the command queue (see `SynthesisEngine.hasTaken`).
    let takenCommands = ManagedAtomic<Int>(0)
    /// Commands refused because the queue to the render thread was full.
    public let droppedCommands = ManagedAtomic<Int>(0)
    /// Scheduled commands (`send(_:to:atFrame:)`) not applied yet: the control
    /// side adds one per command, the render thread takes it off once applied.
    public let scheduledCommands = ManagedAtomic<Int>(0)
    /// Scheduled commands whose frame had passed when the render thread took
    /// them: applied at the start of the next render call instead.
    public let lateCommands = ManagedAtomic<Int>(0)
    /// Frames the recording tap could not take (the writer fell behind).
    public let tapDroppedFrames = ManagedAtomic<Int>(0)
    /// Output samples at or above full scale: none, with the limiter in place.
    public let clippedSamples = ManagedAtomic<Int>(0)
    /// The limiter's deepest gain reduction in the latest block (dB, as Float
    /// bits), and the samples it has had to reduce so far.
    private let limiterReductionBits = ManagedAtomic<UInt32>(0)
    public let limitedSamples = ManagedAtomic<Int>(0)
    /// Blocks (or generative hops) a voice produced with NaN or infinity in
    /// them: silenced, and the voice reset.
    public let nonFiniteBlocks = ManagedAtomic<Int>(0)
    /// pthread id of the thread that last called `render` (for tests and tools
    /// that watch what the render thread does).
    public let renderThread = ManagedAtomic<UInt>(0)
    /// Monotonic nanoseconds at which the first hop after the latest latent
    /// command was synthesised: when a control change first reaches the output.
    public let latentReflectedAt = ManagedAtomic<UInt64>(0)
    /// The training frame the granular voice takes its next grain from.
    public let granularFrame = ManagedAtomic<Int>(0)
    /// Voice 1: what the unprefixed addresses and `/status/latent` speak of.
    public let primary: VoiceStatus
    /// What the voices play, hop by hop, while a take records its trajectory.
    public let playedLatents = PlayedLatents()
    /// Every render call's load, for percentiles (`/status/load`).
    public let loadHistogram = LoadHistogram()

    init(primary: VoiceStatus) {
        self.primary = primary
    }

    @inline(__always)
    func publish(load: Double, instantLoad: Double) {
        loadMillionths.store(Int(load * 1e6), ordering: .relaxed)
        loadHistogram.record(instantLoad)
        let instant = Int(instantLoad * 1e6)
        var peak = peakLoadMillionths.load(ordering: .relaxed)
        while instant > peak {
            let (exchanged, original) = peakLoadMillionths.compareExchange(expected: peak, desired: instant, ordering: .relaxed)
            if exchanged { break }
            peak = original
        }
    }

    @inline(__always)
    func publishLimiter(reduction: Float, limitedSamples: Int) {
        limiterReductionBits.store(reduction.bitPattern, ordering: .relaxed)
        self.limitedSamples.store(limitedSamples, ordering: .relaxed)
    }

    /// Render-thread CPU load as a fraction of real time (smoothed).
    public var load: Double { Double(loadMillionths.load(ordering: .relaxed)) / 1e6 }
    /// Highest single-callback load since the last call.
    public func takePeakLoad() -> Double { Double(peakLoadMillionths.exchange(0, ordering: .relaxed)) / 1e6 }
    /// The limiter's gain reduction now, in dB (0 when it is not reducing).
    public var limiterReduction: Float { Float(bitPattern: limiterReductionBits.load(ordering: .relaxed)) }
    public var isPlaying: Bool { primary.isPlaying }
    public var isWalking: Bool { primary.isWalking }
    /// The latent values voice 1 is sounding now (after glide).
    public func latent(count: Int) -> [Float] { primary.latent(count: count) }
}
