// The n nearest frames of one frame by L1 distance between latent vectors,
// nearest first, ties by index, the frame itself left out: one row of the
// similarity order (`Distances.order`).
//
// The distances are summed dimension by dimension in order, in Double, as a
// plain loop over the pair would, so the table is the same to the last tie;
// they are laid out dimension-major so the loop over frames vectorises. The
// n nearest are selected (a bounded heap for few, quickselect for many) and
// only they are sorted.
//
// Threading: the encodings are shared read-only; each thread brings its own
// Scratch. No allocation per row.

import Foundation

final class NearestFrames: @unchecked Sendable {
    /// One thread's working rows: the distances to every frame, and candidates.
    final class Scratch: @unchecked Sendable {
        let distances: UnsafeMutableBufferPointer<Double>
        let candidates: UnsafeMutableBufferPointer<Int32>

        init(frames: Int) {
            distances = .allocate(capacity: frames)
            distances.initialize(repeating: 0)
            candidates = .allocate(capacity: frames)
            candidates.initialize(repeating: 0)
        }

        deinit {
            distances.deallocate()
            candidates.deallocate()
        }
    }

    private let frames: Int
    private let width: Int
    /// Value d of frame j at d × frames + j.
    private let byDimension: [Double]

    /// `encodings`: frames × width values, row after row.
    init(encodings: [Double], frames: Int, width: Int) {
        precondition(encodings.count == frames * width && frames <= Int(Int32.max))
        self.frames = frames
        self.width = width
        var byDimension = [Double](repeating: 0, count: encodings.count)
        for j in 0..<frames { for d in 0..<width { byDimension[d * frames + j] = encodings[j * width + d] } }
        self.byDimension = byDimension
    }

    /// Writes the `count` nearest other frames of `frame` (count < frames), nearest first.
    func nearest(to frame: Int, count: Int, scratch: Scratch, into output: UnsafeMutableBufferPointer<Int64>) {
        let distances = scratch.distances
        let frames = self.frames
        byDimension.withUnsafeBufferPointer { values in
            for j in 0..<frames { distances[j] = 0 }
            for d in 0..<width {
                let column = values.baseAddress! + d * frames
                let own = column[frame]
                for j in 0..<frames { distances[j] += abs(own - column[j]) }
            }
        }
        let before: (Int32, Int32) -> Bool = { a, b in
            let (da, db) = (distances[Int(a)], distances[Int(b)])
            return da < db || (da == db && a < b)
        }
        let candidates = scratch.candidates
        let others = frames - 1
        let nearest: UnsafeMutableBufferPointer<Int32>
        if count * 16 <= others {
            // Few of many: a bounded max-heap rejects most frames with one comparison.
            nearest = UnsafeMutableBufferPointer(rebasing: candidates[0..<count])
            var filled = 0
            for j in 0..<frames where j != frame {
                let item = Int32(j)
                if filled < count {
                    nearest[filled] = item
                    filled += 1
                    Self.siftUp(filled - 1, in: nearest, by: before)
                } else if before(item, nearest[0]) {
                    nearest[0] = item
                    Self.siftDown(0, in: nearest, by: before)
                }
            }
        } else {
            var filled = 0
            for j in 0..<frames where j != frame {
                candidates[filled] = Int32(j)
                filled += 1
            }
            let pool = UnsafeMutableBufferPointer(rebasing: candidates[0..<others])
            if count < others { Self.select(count, in: pool, by: before) }
            nearest = UnsafeMutableBufferPointer(rebasing: pool[0..<count])
        }
        var sorted = nearest
        sorted.sort(by: before)
        for k in 0..<count { output[k] = Int64(sorted[k]) }
    }

    /// Max-heap steps (the item that comes last at the root).
    private static func siftUp(_ index: Int, in heap: UnsafeMutableBufferPointer<Int32>, by before: (Int32, Int32) -> Bool) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard before(heap[parent], heap[child]) else { return }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    private static func siftDown(_ index: Int, in heap: UnsafeMutableBufferPointer<Int32>, by before: (Int32, Int32) -> Bool) {
        var parent = index
        while true {
            let left = 2 * parent + 1, right = left + 1
            var largest = parent
            if left < heap.count, before(heap[largest], heap[left]) { largest = left }
            if right < heap.count, before(heap[largest], heap[right]) { largest = right }
            guard largest != parent else { return }
            heap.swapAt(parent, largest)
            parent = largest
        }
    }

    /// Reorders `items` so that its first `k` are its k least (in no order):
    /// quickselect with a median-of-three pivot. The ordering is strict and
    /// total (ties broken by index), so every partition makes progress.
    private static func select(_ k: Int, in items: UnsafeMutableBufferPointer<Int32>, by before: (Int32, Int32) -> Bool) {
        var low = 0, high = items.count - 1
        while low < high {
            let middle = low + (high - low) / 2
            if before(items[middle], items[low]) { items.swapAt(middle, low) }
            if before(items[high], items[low]) { items.swapAt(high, low) }
            if before(items[high], items[middle]) { items.swapAt(high, middle) }
            let pivot = items[middle]
            var i = low, j = high
            while i <= j {
                while before(items[i], pivot) { i += 1 }
                while before(pivot, items[j]) { j -= 1 }
                if i <= j {
                    items.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            // items[low...j] ≤ pivot ≤ items[i...high]; keep the side that holds position k.
            if k <= j { high = j } else if k >= i { low = i } else { return }
        }
    }
}
