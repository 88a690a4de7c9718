// The newest samples of a signal, kept for reading back: as contiguous frames
// (`SampleHistory`: every sample is stored twice, at t mod size and at
// t mod size + size, so any stretch of up to `size` samples ends contiguous),
// or one sample at a delay (`DelayLine`).
//
// Values owned by one voice; built (allocated) off the audio thread, then
// only the thread that renders the voice touches them. No allocation after
// `init`.

struct SampleHistory {
    let size: Int
    private let storage: UnsafeMutablePointer<Float>
    /// Samples appended so far.
    private(set) var written = 0

    /// Room for at least `capacity` samples.
    init(capacity: Int) {
        var size = 1
        while size < capacity { size <<= 1 }
        self.size = size
        storage = .allocate(capacity: 2 * size)
        storage.initialize(repeating: 0, count: 2 * size)
    }

    func deallocate() { storage.deallocate() }

    @inline(__always)
    mutating func append(_ x: Float) {
        let slot = written & (size - 1)
        storage[slot] = x
        storage[slot + size] = x
        written += 1
    }

    /// Start of the `length` samples (at most `size`) that end `before` samples
    /// back from the newest; silence where nothing was appended yet.
    @inline(__always)
    func recent(_ length: Int, before: Int = 0) -> UnsafePointer<Float> {
        UnsafePointer(storage + (written - before - length) & (size - 1))
    }

    /// Takes over from `other`, which heard the same signal until now: its
    /// count and as many of its newest samples as both hold.
    mutating func `continue`(from other: SampleHistory) {
        let kept = min(size, other.size, other.written)
        written = other.written
        for t in (written - kept)..<written {
            let x = other.storage[t & (other.size - 1)]
            storage[t & (size - 1)] = x
            storage[(t & (size - 1)) + size] = x
        }
    }

    /// Forgets everything (the count of samples goes on).
    func clear() { storage.update(repeating: 0, count: 2 * size) }
}

struct DelayLine {
    private let storage: UnsafeMutablePointer<Float>
    private let mask: Int
    private var written = 0
    /// Whether it holds only zeros.
    private(set) var isClear = true

    /// Delays of 0 to `longest` samples.
    init(longest: Int) {
        var size = 1
        while size <= longest { size <<= 1 }
        mask = size - 1
        storage = .allocate(capacity: size)
        storage.initialize(repeating: 0, count: size)
    }

    func deallocate() { storage.deallocate() }

    @inline(__always)
    mutating func append(_ x: Float) {
        storage[written & mask] = x
        written += 1
        isClear = false
    }

    /// The sample appended `delay` samples before the newest (0: the newest).
    @inline(__always)
    func sample(delayedBy delay: Int) -> Float { storage[(written - 1 - delay) & mask] }

    mutating func clear() {
        storage.update(repeating: 0, count: mask + 1)
        isClear = true
    }
}
