// Lock-free single-producer / single-consumer queues.
//
// Exactly one thread may push and exactly one (other) thread may pop. Neither
// side allocates, locks or waits after `init`, so either side may be the
// audio thread. A full queue refuses the push; the producer decides what to
// drop and counts it.

import Atomics

/// A bounded FIFO of values (commands, retired objects).
public final class SPSCQueue<Element>: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<Element>
    private let mask: Int
    /// Next slot to read; written by the consumer only.
    private let head = ManagedAtomic<Int>(0)
    /// Next slot to write; written by the producer only.
    private let tail = ManagedAtomic<Int>(0)

    /// `capacity` is rounded up to a power of two.
    public init(capacity: Int) {
        var size = 1
        while size < capacity { size <<= 1 }
        storage = .allocate(capacity: size)
        mask = size - 1
    }

    deinit {
        while pop() != nil {}
        storage.deallocate()
    }

    public var capacity: Int { mask + 1 }

    /// Producer side. Returns false (and keeps nothing) when the queue is full.
    public func push(_ element: Element) -> Bool {
        let t = tail.load(ordering: .relaxed)
        guard t - head.load(ordering: .acquiring) <= mask else { return false }
        (storage + (t & mask)).initialize(to: element)
        tail.store(t + 1, ordering: .releasing)
        return true
    }

    /// Consumer side. Returns nil when the queue is empty.
    public func pop() -> Element? {
        let h = head.load(ordering: .relaxed)
        guard h != tail.load(ordering: .acquiring) else { return nil }
        let element = (storage + (h & mask)).move()
        head.store(h + 1, ordering: .releasing)
        return element
    }
}

/// A bounded ring of samples for streaming audio from the render thread to a
/// writer thread. Writes that do not fit are cut short and the shortfall is
/// reported, never waited for.
public final class SampleRing: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<Float>
    private let mask: Int
    private let head = ManagedAtomic<Int>(0)
    private let tail = ManagedAtomic<Int>(0)

    public init(capacity: Int) {
        var size = 1
        while size < capacity { size <<= 1 }
        storage = .allocate(capacity: size)
        storage.initialize(repeating: 0, count: size)
        mask = size - 1
    }

    deinit { storage.deallocate() }

    public var capacity: Int { mask + 1 }

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
}
