// Makes sure no two threads ever render the engine at once when a device's
// callback has to give it up (the device went away, or its callback stalled)
// and another output takes over.
//
// Threading: `enter`/`leave` on the device's callback thread (lock-free: one
// compare-exchange and one store, real-time safe); `close` on the thread that
// takes the engine over. Once `close` has returned true the callback never
// enters render again.

import Atomics

final class RenderGate: @unchecked Sendable {
    private static let open = 0, rendering = 1, closed = 2
    private let state = ManagedAtomic<Int>(RenderGate.open)

    /// True when the callback may render now; it must call `leave` afterwards.
    @inline(__always)
    func enter() -> Bool {
        state.compareExchange(expected: Self.open, desired: Self.rendering, ordering: .acquiring).exchanged
    }

    @inline(__always)
    func leave() {
        state.store(Self.open, ordering: .releasing)
    }

    /// Shuts the callback out. False while it is inside render (try again
    /// later); never waits.
    func close() -> Bool {
        let (exchanged, original) = state.compareExchange(expected: Self.open, desired: Self.closed, ordering: .acquiringAndReleasing)
        return exchanged || original == Self.closed
    }
}
