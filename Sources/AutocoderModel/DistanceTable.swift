// `ANCHOR.ord.npy`: for every training frame, the indices of its most similar
// frames, nearest first. Walking it gives granular orders and the
// /distance/* replies. A value; any thread.

import Foundation

public struct DistanceTable: Sendable {
    /// Training frames (rows).
    public let frames: Int
    /// Similar frames listed per row.
    public let neighbours: Int
    private let order: [Int]

    public init(contentsOf path: String) throws {
        let array = try NumPyArray(contentsOf: path)
        guard array.dtype.hasPrefix("<i") else {
            throw ModelFileError(path: path, problem: "holds \(array.dtype) values; a similarity order holds integers")
        }
        guard array.shape.count == 2, array.shape[0] > 0, array.shape[1] > 0 else {
            throw ModelFileError(path: path, problem: "has shape \(array.shape); expected frames x neighbours")
        }
        try self.init(order: array.values.map { Int($0) }, neighbours: array.shape[1], path: path)
    }

    /// A table from its rows, `neighbours` entries each; `path` names it in errors.
    public init(order: [Int], neighbours: Int, path: String = "similarity order") throws {
        guard neighbours > 0, !order.isEmpty, order.count % neighbours == 0 else {
            throw ModelFileError(path: path, problem: "\(order.count) entries do not make rows of \(neighbours)")
        }
        frames = order.count / neighbours
        self.neighbours = neighbours
        self.order = order
        if let bad = order.firstIndex(where: { $0 < 0 || $0 >= frames }) {
            throw ModelFileError(path: path, problem: "entry \(bad) is \(order[bad]), not a frame index below \(frames)")
        }
    }

    /// The similar frames of `frame`, nearest first.
    public func row(_ frame: Int) -> ArraySlice<Int> {
        order[frame * neighbours..<(frame + 1) * neighbours]
    }

    /// The published step: order[frame][floor(u^power * pool)], u uniform in
    /// [0,1). A power above 1 favours the nearest of the `pool` candidates.
    public func next<G: RandomNumberGenerator>(from frame: Int, pool: Int, power: Double, using generator: inout G) -> Int {
        next(from: frame, pool: pool, power: power, draw: Double.random(in: 0..<1, using: &generator))
    }

    /// The same step for a draw `u` in [0,1) made by the caller. Neither
    /// allocates nor locks, so the audio thread may call it.
    public func next(from frame: Int, pool: Int, power: Double, draw u: Double) -> Int {
        let k = min(Int(pow(u, power) * Double(pool)), min(pool, neighbours) - 1)
        return order[frame * neighbours + k]
    }
}


