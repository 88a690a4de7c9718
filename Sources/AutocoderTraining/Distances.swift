// The similarity tools of SPEC §3: every training frame encoded (`.enc.npy`),
// and for every frame the indices of its n nearest others by L1 distance
// between latent vectors (`.ord.npy`). Any thread; allocates.

import AutocoderModel
import Foundation

public enum Distances {
    /// Encodes every row of ANCHOR.npy with ANCHOR.enc; writes ANCHOR.enc.npy (frames × latent, float64).
    public static func encodeSet(anchor: String) throws -> (frames: Int, latent: Int) {
        let bundle = try ModelBundle(anchor: anchor, parts: [.encoder])
        let encoder = bundle.encoder!
        let set = try NumPyArray(contentsOf: bundle.anchor + ".npy")
        guard set.shape.count == 2, set.shape[1] == encoder.inputCount else {
            throw ModelFileError(path: bundle.anchor + ".npy", problem: "has shape \(set.shape); the encoder takes \(encoder.inputCount) values per frame")
        }
        let latent = encoder.encode(batch: set.floats)
        try NumPyArray.write(float64: latent.map(Double.init), shape: [set.shape[0], encoder.latentCount], to: bundle.anchor + ".enc.npy")
        return (set.shape[0], encoder.latentCount)
    }

    /// Reads ANCHOR.enc.npy; writes ANCHOR.ord.npy (frames × n, int64): each
    /// frame's n nearest other frames, nearest first, ties by index.
    public static func order(anchor: String, neighbours: Int) throws -> (frames: Int, neighbours: Int) {
        let path = anchor + ".enc.npy"
        let encoded = try NumPyArray(contentsOf: path)
        guard encoded.shape.count == 2, encoded.shape[0] > 1 else {
            throw ModelFileError(path: path, problem: "has shape \(encoded.shape); expected frames x latent with at least 2 frames (run `autocoder encode-set` first)")
        }
        let (frames, width) = (encoded.shape[0], encoded.shape[1])
        let n = min(neighbours, frames - 1)
        let values = encoded.values
        var order = [Int64]()
        order.reserveCapacity(frames * n)
        var distances = [Double](repeating: 0, count: frames)
        for i in 0..<frames {
            for j in 0..<frames {
                var sum = 0.0
                for d in 0..<width { sum += abs(values[i * width + d] - values[j * width + d]) }
                distances[j] = sum
            }
            let nearest = (0..<frames).filter { $0 != i }.sorted { (distances[$0], $0) < (distances[$1], $1) }.prefix(n)
            order += nearest.map { Int64($0) }
        }
        try NumPyArray.write(int64: order, shape: [frames, n], to: anchor + ".ord.npy")
        return (frames, n)
    }
}
