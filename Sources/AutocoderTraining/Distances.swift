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
    /// frame's n nearest other frames by L1 distance, nearest first, ties by
    /// index. `announce` hears the table's size (in bytes too) before any work.
    ///
    /// Rows are worked out a block at a time, on every core, and each block is
    /// written as soon as it is done, so memory holds the encodings, one
    /// distance row per core and one block of the table (`blockBytes`), never
    /// the frames × frames distances nor the whole table.
    public static func order(anchor: String, neighbours: Int, blockBytes: Int = 32 << 20,
                             announce: (_ frames: Int, _ kept: Int, _ bytes: Int) -> Void = { _, _, _ in }) throws
        -> (frames: Int, neighbours: Int) {
        let path = anchor + ".enc.npy"
        let encoded = try NumPyArray(contentsOf: path)
        guard encoded.shape.count == 2, encoded.shape[0] > 1 else {
            throw ModelFileError(path: path, problem: "has shape \(encoded.shape); expected frames x latent with at least 2 frames (run `autocoder encode-set` first)")
        }
        let (frames, width) = (encoded.shape[0], encoded.shape[1])
        if let bad = encoded.values.firstIndex(where: { !$0.isFinite }) {
            throw ModelFileError(path: path, problem: "frame \(bad / width), dimension \(bad % width + 1) is \(encoded.values[bad]); encodings are finite")
        }
        let n = min(neighbours, frames - 1)
        let header = NumPyArray.header(dtype: "<i8", shape: [frames, n])
        announce(frames, n, header.count + frames * n * 8)
        let search = NearestFrames(encodings: encoded.values, frames: frames, width: width)
        let rowsPerBlock = max(1, min(frames, blockBytes / (n * 8)))
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, rowsPerBlock))
        let scratch = (0..<workers).map { _ in NearestFrames.Scratch(frames: frames) }
        var block = [Int64](repeating: 0, count: rowsPerBlock * n)
        try writeAtomically(to: anchor + ".ord.npy") { write in
            try header.withUnsafeBytes { try write($0) }
            for first in stride(from: 0, to: frames, by: rowsPerBlock) {
                let rows = min(rowsPerBlock, frames - first)
                block.withUnsafeMutableBufferPointer { output in
                    // Each worker writes its own rows of the block, and only them.
                    nonisolated(unsafe) let output = output
                    DispatchQueue.concurrentPerform(iterations: workers) { worker in
                        for row in stride(from: worker, to: rows, by: workers) {
                            search.nearest(to: first + row, count: n, scratch: scratch[worker],
                                           into: UnsafeMutableBufferPointer(rebasing: output[row * n..<(row + 1) * n]))
                        }
                    }
                }
                try block.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[0..<rows * n * 8])) }
            }
        }
        return (frames, n)
    }
}
