// Where the engine's sample clock stands against the wall clock: a line, the
// wall-clock time of frame 0 (its offset), that the frames advance along at
// the sample rate, pinned to the render calls that came least late.
//
// Each render call gives an anchor: the frames rendered before it and the
// wall clock (CLOCK_REALTIME) at its start. A call comes late by the
// callback's jitter (the scheduler, a driver handing out blocks in bursts),
// never early, so the line takes the least offset (time − frames / rate) of
// the calls of the last 0.5–1 s. The memory is short, so a drift between the
// device's clock and the system's cannot build up, and the line moves on:
// - later, when every call for 0.1 s has come more than 1 ms after it (an
//   xrun, an output switch, the wall clock set forward), to the least
//   delayed of them;
// - at once, when a call comes earlier than the line (the wall clock set
//   back), or after a silence (no call for 0.1 s more than twice the latest
//   call's frames: the output was stopped or switched).
//
// A value owned by the render thread (`observe`, once per call); the engine
// publishes the offset through an atomic for the control side.

struct SampleClockLine {
    let sampleRate: Double
    /// Span of each of the two windows whose least offset pins the line.
    static let window: Int64 = 500_000_000
    /// Calls later than the line by more than this, for `confirm`, move it.
    static let tolerance: Int64 = 1_000_000
    static let confirm: Int64 = 100_000_000

    /// Least offset of the window filling now and of the one before it.
    private var current = Int64.max
    private var previous = Int64.max
    /// Wall-clock end of the window filling now.
    private var windowEnd = Int64.min
    /// The latest call's anchor.
    private var last: (frame: Int, time: Int64)?
    /// The start of a run of calls that all came late, and the least offset of its calls.
    private var lateSince: Int64?
    private var lateLeast = Int64.max

    init(sampleRate: Double) {
        self.sampleRate = sampleRate
    }

    /// The line's offset (wall-clock nanoseconds at frame 0), nil before any call.
    var offset: Int64? { last == nil ? nil : min(current, previous) }

    /// Takes the anchor of a render call that starts at `frame` at wall-clock
    /// `nanoseconds`; returns the line's offset from now on.
    @discardableResult
    mutating func observe(frame: Int, nanoseconds now: Int64) -> Int64 {
        let raw = now &- nanoseconds(frames: frame)
        // A silence: no call for 0.1 s more than twice the frames the latest one rendered.
        let silence = last.map { now &- $0.time > Self.confirm &+ 2 &* nanoseconds(frames: frame - $0.frame) } ?? true
        last = (frame, now)
        if silence || now < windowEnd &- 2 &* Self.window {
            // The first call, one after the output was stopped, or a wall clock
            // set back past the windows: nothing before counts.
            (previous, current, windowEnd, lateSince) = (.max, .max, now &+ Self.window, nil)
        } else if now >= windowEnd {
            previous = now < windowEnd &+ Self.window ? current : .max
            (current, windowEnd) = (.max, now &+ Self.window)
        }
        let line = min(current, previous)
        if line != .max, raw > line &+ Self.tolerance {
            if let since = lateSince {
                lateLeast = min(lateLeast, raw)
                if now &- since >= Self.confirm {
                    // The clock has moved on for good: the line follows at once.
                    (previous, current, lateSince) = (.max, lateLeast, nil)
                }
            } else {
                (lateSince, lateLeast) = (now, raw)
            }
        } else {
            lateSince = nil
        }
        current = min(current, raw)
        return min(current, previous)
    }

    private func nanoseconds(frames: Int) -> Int64 { Int64((Double(frames) * 1e9 / sampleRate).rounded()) }

    /// The frame the clock reaches at wall-clock `nanoseconds` on a line of `offset`.
    static func frame(at nanoseconds: Int64, offset: Int64, sampleRate: Double) -> Int {
        Int((Double(nanoseconds &- offset) * sampleRate / 1e9).rounded())
    }
}
