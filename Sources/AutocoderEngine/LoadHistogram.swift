// How long the render calls take, as a share of their block's duration (the
// callback load): a count per 0.1 % from 0 to 400 % (longer calls count in
// the last), and the sum, so the mean, p50, p99 and largest load over any
// stretch of time can be read without stopping the audio — what a performer
// checks before a set ("how close am I to a dropout?") and what the
// benchmarks compare with and without a training running.
//
// Threading: `record` is the render thread's (two relaxed atomic adds, no
// allocation); `mark` and `figures` any thread: a mark is a copy of the counts,
// and figures since it are the counts less the copy.

import Atomics

public final class LoadHistogram: @unchecked Sendable {
    /// Width of a bucket: 0.1 % of the block's duration.
    public static let resolution = 0.001
    static let bucketCount = 4000
    private let counts: [UnsafeAtomic<Int>]
    /// Sum of the loads, in millionths.
    private let total = UnsafeAtomic<Int>.create(0)

    /// The counts at a moment, to measure from.
    public struct Mark: Sendable {
        let counts: [Int]
        let total: Int
    }

    /// Loads in percent of the block's duration.
    public struct Figures: Sendable, Equatable {
        public let mean: Double
        public let p50: Double
        public let p99: Double
        /// The upper edge of the highest bucket reached (400 for anything longer).
        public let max: Double
        public let calls: Int
    }

    init() {
        counts = (0..<Self.bucketCount).map { _ in UnsafeAtomic<Int>.create(0) }
    }

    deinit {
        for count in counts { count.destroy() }
        total.destroy()
    }

    /// Render thread: one call took `load` of its block's duration.
    @inline(__always)
    func record(_ load: Double) {
        let bucket = load.isFinite ? min(max(Int(load / Self.resolution), 0), Self.bucketCount - 1) : Self.bucketCount - 1
        counts[bucket].wrappingIncrement(ordering: .relaxed)
        total.wrappingIncrement(by: load.isFinite ? Int(load * 1e6) : 0, ordering: .relaxed)
    }

    public func mark() -> Mark {
        Mark(counts: counts.map { $0.load(ordering: .relaxed) }, total: total.load(ordering: .relaxed))
    }

    /// Since `mark` (or since the engine started).
    public func figures(since mark: Mark? = nil) -> Figures {
        let now = self.mark()
        let counts = now.counts.enumerated().map { $0.element - (mark?.counts[$0.offset] ?? 0) }
        let calls = counts.reduce(0, +)
        guard calls > 0 else { return Figures(mean: 0, p50: 0, p99: 0, max: 0, calls: 0) }
        func percentile(_ share: Double) -> Double {
            let rank = Int((share * Double(calls)).rounded(.up))
            var seen = 0
            for (bucket, count) in counts.enumerated() {
                seen += count
                if seen >= rank { return Double(bucket + 1) * Self.resolution * 100 }
            }
            return Double(Self.bucketCount) * Self.resolution * 100
        }
        let highest = counts.lastIndex { $0 > 0 }!
        let mean = Double(now.total - (mark?.total ?? 0)) / 1e6 / Double(calls) * 100
        return Figures(mean: mean, p50: percentile(0.5), p99: percentile(0.99), max: Double(highest + 1) * Self.resolution * 100, calls: calls)
    }
}
