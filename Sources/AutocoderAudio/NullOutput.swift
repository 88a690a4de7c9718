// Renders on its own thread at the pace of the clock, as a sound card would
// take samples, and throws them away (the recording tap still sees them): for
// machines with no usable device, `--null-output`, and as the stand-in while a
// lost device is away.
//
// Threading: start/stop from a control thread; the output's own thread is the
// render thread between them (stop returns only once it has finished).

import AutocoderEngine
import Foundation

public final class NullOutput: AudioOutput {
    public let sampleRate: Double
    public let blockSize: Int
    private let channels: Int
    private let reason: String
    private let running = ManagedFlag()
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    public init(sampleRate: Double, blockSize: Int, channels: Int, reason: String) {
        self.sampleRate = sampleRate
        self.blockSize = blockSize
        self.channels = channels
        self.reason = reason
    }

    public var description: String { "null output (nothing is heard), \(Int(sampleRate)) Hz, block \(blockSize): \(reason)" }
    public var kind: AudioOutputKind { .null }
    public var inputChannels: Int { 0 }
    public var failure: String? { nil }
    /// Only `stop` takes the engine from the null output's thread.
    public func relinquishEngine() -> Bool { thread == nil }

    public func start(_ engine: SynthesisEngine) throws {
        guard thread == nil else { return }
        running.set(true)
        let (blockSize, channels, sampleRate, running, finished) = (self.blockSize, self.channels, self.sampleRate, self.running, self.finished)
        let thread = Thread {
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: blockSize * channels)
            defer { buffer.deallocate(); finished.signal() }
            let period = Int(Double(blockSize) / sampleRate * 1e9)
            var deadline = timespec()
            clock_gettime(CLOCK_MONOTONIC, &deadline)
            while running.isSet {
                engine.render(buffer, frames: blockSize)
                deadline.tv_nsec += period
                while deadline.tv_nsec >= 1_000_000_000 { deadline.tv_nsec -= 1_000_000_000; deadline.tv_sec += 1 }
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                let lateNanoseconds = (now.tv_sec - deadline.tv_sec) * 1_000_000_000 + (now.tv_nsec - deadline.tv_nsec)
                if lateNanoseconds > period {
                    // A real device would have underrun here; count it and catch up.
                    engine.status.xruns.wrappingIncrement(ordering: .relaxed)
                    deadline = now
                } else {
                    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil)
                }
            }
        }
        thread.name = "autocoder render (null output)"
        thread.qualityOfService = .userInteractive
        self.thread = thread
        thread.start()
    }

    public func stop() {
        guard thread != nil else { return }
        running.set(false)
        finished.wait()
        thread = nil
    }

    deinit { stop() }
}
