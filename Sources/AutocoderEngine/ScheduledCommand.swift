// A command for the render thread to apply when the sample clock (frames
// rendered so far) reaches `frame`: what crosses the engine's schedule queue,
// and what its heap orders.
//
// A value: built on the control thread, taken and applied on the render thread.

struct ScheduledCommand {
    let frame: Int
    let command: EngineCommand
    /// Arrival order on the render thread: first in, first out among equal frames.
    var order = 0

    init(frame: Int, command: EngineCommand) {
        self.frame = frame
        self.command = command
    }

    /// Whether it is due before `other`.
    @inline(__always)
    func precedes(_ other: ScheduledCommand) -> Bool {
        frame < other.frame || (frame == other.frame && order < other.order)
    }
}
