// Lock-free single-producer / single-consumer queues.
//
// Exactly one thread may push and exactly one (other) thread may pop. Neither
// side allocates, locks or waits after `init`, so either side may be the
// audio thread. A full queue refuses the push; the producer decides what to
// drop and counts it.

import Atomics

/// The slots and the two cursors of a ring; `capacity` is rounded up to a power of two.
/// Slots are not initialised: the ring that owns this does that.
final class RingSlots<Element>: @unchecked Sendable {
    let storage: UnsafeMutablePointer<Element>
    let mask: Int
    /// Next slot to read; written by the consumer only.
    let head = ManagedAtomic<Int>(0)
    /// Next slot to write; written by the producer only.
    let tail = ManagedAtomic<Int>(0)

    init(capacity: Int) {
        var size = 1
        while size < capacity { size <<= 1 }
        storage = .allocate(capacity: size)
        mask = size - 1
    }

    deinit { storage.deallocate() }

    var capacity: Int { mask + 1 }
}

/// A bounded FIFO of values (commands, retired objects).
public final class SPSCQueue<Element>: @unchecked Sendable {
    private let slots: RingSlots<Element>

    public init(capacity: Int) {
        slots = RingSlots(capacity: capacity)
    }

    deinit {
        while pop() != nil {}
    }

    public var capacity: Int { slots.capacity }

    /// Producer side. Returns false (and keeps nothing) when the queue is full.
    public func push(_ element: Element) -> Bool {
        let t = slots.tail.load(ordering: .relaxed)
        guard t - slots.head.load(ordering: .acquiring) <= slots.mask else { return false }
        (slots.storage + (t & slots.mask)).initialize(to: element)
        slots.tail.store(t + 1, ordering: .releasing)
        return true
    }

    /// Consumer side. Returns nil when the queue is empty.
    public func pop() -> Element? {
        let h = slots.head.load(ordering: .relaxed)
        guard h != slots.tail.load(ordering: .acquiring) else { return nil }
        let element = (slots.storage + (h & slots.mask)).move()
        slots.head.store(h + 1, ordering: .releasing)
        return element
    }
}

/// A bounded ring of samples for streaming audio from the render thread to a
/// writer thread. Writes that do not fit are cut short and the shortfall is
/// reported, never waited for.
public final class SampleRing: @unchecked Sendable {
    private let slots: RingSlots<Float>
    private var storage: UnsafeMutablePointer<Float> { slots.storage }
    private var mask: Int { slots.mask }
    private var head: ManagedAtomic<Int> { slots.head }
    private var tail: ManagedAtomic<Int> { slots.tail }

    public init(capacity: Int) {
        slots = RingSlots(capacity: capacity)
        slots.storage.initialize(repeating: 0, count: slots.capacity)
    }

    public var capacity: Int { slots.capacity }

    /// Producer: copies up to `count` samples; returns how many fit.
    @discardableResult
    public func write(_ samples: UnsafePointer<Float>, count: Int) -> Int {
        let t = tail.load(ordering: .relaxed)
        let free = capacity - (t - head.load(ordering: .acquiring))
        let n = min(count, free)
        let start = t & mask
        let first = min(n, capacity - start)
        (storage + start).update(from: samples, count: first)
        (storage).update(from: samples + first, count: n - first)
        tail.store(t + n, ordering: .releasing)
        return n
    }

    /// Consumer: samples waiting to be read.
    public var available: Int { tail.load(ordering: .acquiring) - head.load(ordering: .relaxed) }

    /// Consumer: copies up to `count` samples out; returns how many.
    public func read(into samples: UnsafeMutablePointer<Float>, count: Int) -> Int {
        let h = head.load(ordering: .relaxed)
        let n = min(count, tail.load(ordering: .acquiring) - h)
        let start = h & mask
        let first = min(n, capacity - start)
        samples.update(from: storage + start, count: first)
        (samples + first).update(from: storage, count: n - first)
        head.store(h + n, ordering: .releasing)
        return n
    }

    /// Consumer: drops everything written so far.
    public func discardAll() {
        head.store(tail.load(ordering: .acquiring), ordering: .releasing)
    }

    /// Consumer: samples read or dropped since the ring was made.
    public var consumed: Int { head.load(ordering: .relaxed) }
}
