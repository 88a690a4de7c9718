// Commands that take effect at a given frame of the engine's sample clock
// (the frames rendered so far), and the clock's mapping to the wall clock.
//
// - Control thread: `send(_:to:atFrame:)` queues a voice command with its
//   frame; at most `scheduleCapacity` may be pending (a count in
//   `status.scheduledCommands`, which the render thread lowers as it applies
//   them): beyond that it refuses, it never waits or grows.
// - Render thread (`render`): at the start of each call it moves what has
//   arrived into its heap (`CommandHeap`), notes the clock against the wall
//   clock (`SampleClockLine`), then splits the call at the frames of the
//   commands due in it. A command whose frame has passed acts at once and is
//   counted in `status.lateCommands`.
// - Any thread: `frame(atUnixTime:)` and `renderedFrame` read atomics only.
//
// So a gain, a voice's level, play and stop (their fades) change at exactly
// that sample; controls that act per hop (the latent, walk, spectral
// controls) reach the first hop that starts at or after it.

import Atomics
#if canImport(Glibc)
import Glibc
#endif

extension SynthesisEngine {
    /// Scheduled commands the engine holds at most (sent and not yet applied).
    public static let scheduleCapacity = 4096

    /// Sends `command` to voice `id` (voice 1 by default) to take effect when the
    /// sample clock reaches `frame`: the command acts on sample `frame` and
    /// after (`renderedFrame` is the clock now; `frame(atUnixTime:)` maps a
    /// time to it). A frame already rendered when the render thread takes the
    /// command means "at once", counted in `status.lateCommands`. Commands for
    /// the same frame act in the order they were sent. As `send(_:to:)`, a
    /// voice's level and routing are noted at once in `voices`. Throws
    /// `ScheduleError.full` while `scheduleCapacity` commands are pending.
    public func send(_ command: VoiceCommand, to id: Int = 1, atFrame frame: Int) throws {
        guard status.scheduledCommands.load(ordering: .relaxed) < Self.scheduleCapacity else {
            throw ScheduleError.full(Self.scheduleCapacity)
        }
        record(command, to: id)
        status.scheduledCommands.wrappingIncrement(ordering: .relaxed)
        // It fits: the queue holds as many commands as may be pending.
        _ = scheduleQueue.push(ScheduledCommand(frame: frame, command: .voice(id: id, command)))
    }

    /// The sample clock: frames rendered so far (by the calls that have returned).
    public var renderedFrame: Int { status.renderedFrames.load(ordering: .relaxed) }

    /// The frame of the sample clock at wall-clock time `seconds` (Unix time,
    /// CLOCK_REALTIME): the frame to schedule a command at for it to act then.
    ///
    /// What the frame means: the frames advance with the wall clock along a
    /// line pinned to the render calls that came least late in the last
    /// second, so frame f stands for the moment the engine renders sample f if
    /// rendering went on continuously at the sample rate. A render call starts
    /// on that line or after it (by the callback's jitter) and renders its
    /// block at once; what the listener hears comes later still, by the
    /// limiter's look-ahead (`outputLatency` frames) and the device's own
    /// output latency: subtract those for a sample to be heard at `seconds`.
    /// After a jump of the clock (an xrun, an output stopped or switched, the
    /// wall clock set) the line moves within 0.1 s.
    ///
    /// Before the first render call, the clock is taken to start now. Any
    /// thread. A NaN is taken as 1970, times beyond ±9·10⁹ s as that.
    public func frame(atUnixTime seconds: Double) -> Int {
        let time = Self.nanoseconds(unixTime: seconds)
        let offset = clockOffset.load(ordering: .relaxed)
        return SampleClockLine.frame(at: time, offset: offset == .min ? Self.realtimeNanoseconds() : offset, sampleRate: sampleRate)
    }

    // MARK: Render thread

    /// Notes where this call starts on the wall clock and publishes the clock's line.
    @inline(__always)
    func anchorClock() {
        clockOffset.store(clockLine.observe(frame: clock, nanoseconds: Self.realtimeNanoseconds()), ordering: .relaxed)
    }

    /// Moves the commands scheduled since the last call into the heap, counting those already past.
    @inline(__always)
    func takeScheduled() {
        while let scheduled = scheduleQueue.pop() {
            if scheduled.frame < clock { status.lateCommands.wrappingIncrement(ordering: .relaxed) }
            schedule.insert(scheduled)
        }
    }

    /// Applies the commands due by frame `done` of this call; returns where
    /// the part that starts there ends: the next command's frame, or `frames`.
    @inline(__always)
    func applyScheduled(at done: Int, frames: Int) -> Int {
        while let next = schedule.nextFrame {
            guard next <= clock + done else { return min(frames, next - clock) }
            apply(schedule.removeFirst()!.command)
            status.scheduledCommands.wrappingDecrement(ordering: .relaxed)
        }
        return frames
    }

    /// CLOCK_REALTIME in nanoseconds (no Foundation: the render thread reads it).
    @inline(__always)
    static func realtimeNanoseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    /// Unix time `seconds` in nanoseconds, split so the fraction keeps its precision.
    static func nanoseconds(unixTime seconds: Double) -> Int64 {
        let clamped = seconds.isNaN ? 0 : min(max(seconds, -9e9), 9e9)
        let whole = clamped.rounded(.down)
        return Int64(whole) * 1_000_000_000 + Int64(((clamped - whole) * 1e9).rounded())
    }
}
