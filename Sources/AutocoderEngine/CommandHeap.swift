// The scheduled commands the render thread holds until their frame: a binary
// min-heap by frame (first in, first out among equal frames) in memory
// allocated once, so inserting and taking never allocate.
//
// Render thread only (built by the engine's init, emptied by its deinit).

final class CommandHeap {
    let capacity: Int
    private let storage: UnsafeMutablePointer<ScheduledCommand>
    private(set) var count = 0
    /// Commands inserted so far: each one's arrival order.
    private var arrivals = 0

    init(capacity: Int) {
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    /// The frame of the first command due, nil when none is held.
    @inline(__always)
    var nextFrame: Int? { count > 0 ? storage[0].frame : nil }

    /// Adds `command`. The engine never holds more commands than the heap's
    /// capacity (it refuses them first); were it to, this would trap rather
    /// than write past the heap.
    func insert(_ command: ScheduledCommand) {
        precondition(count < capacity, "the command heap is full")
        var entry = command
        entry.order = arrivals
        arrivals &+= 1
        // Sift up: parents that come later move down into the hole.
        var hole = count
        while hole > 0 {
            let parent = (hole - 1) / 2
            guard entry.precedes(storage[parent]) else { break }
            (storage + hole).moveInitialize(from: storage + parent, count: 1)
            hole = parent
        }
        (storage + hole).initialize(to: entry)
        count += 1
    }

    /// Takes the first command due, nil when none is held.
    func removeFirst() -> ScheduledCommand? {
        guard count > 0 else { return nil }
        let first = storage.move()
        count -= 1
        guard count > 0 else { return first }
        let last = (storage + count).move()
        // Sift down: the earlier child moves up into the hole until `last` fits.
        var hole = 0
        while true {
            var child = 2 * hole + 1
            guard child < count else { break }
            if child + 1 < count, storage[child + 1].precedes(storage[child]) { child += 1 }
            guard storage[child].precedes(last) else { break }
            (storage + hole).moveInitialize(from: storage + child, count: 1)
            hole = child
        }
        (storage + hole).initialize(to: last)
        return first
    }
}
