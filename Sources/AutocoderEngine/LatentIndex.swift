// The training frames of a model by their encodings (ANCHOR.enc.npy): which
// frame is nearest to a latent vector, by L1 distance (ties to the lower
// index), as the similarity order (`autocoder distances`) measures it. For
// listening: the moment of the training sound an input sounds most like.
//
// Built on any thread; `nearest` reads only and allocates nothing.

import AutocoderModel

public final class LatentIndex: @unchecked Sendable {
    public let frames: Int
    public let width: Int
    /// Frame after frame, `width` values each.
    private let encodings: [Float]

    /// The encodings of `path` (frames × latent values).
    public init(contentsOf path: String) throws {
        let array = try NumPyArray(contentsOf: path)
        guard array.shape.count == 2, array.shape[0] > 0, array.shape[1] > 0 else {
            throw ModelFileError(path: path, problem: "has shape \(array.shape); expected frames x latent values")
        }
        if let bad = array.values.firstIndex(where: { !$0.isFinite }) {
            throw ModelFileError(path: path, problem: "frame \(bad / array.shape[1]) is not finite")
        }
        frames = array.shape[0]
        width = array.shape[1]
        encodings = array.floats
    }

    /// The frame whose encoding is nearest to the first `width` values of `latent`.
    public func nearest(to latent: UnsafePointer<Float>) -> Int {
        var best = 0, bestDistance = Float.infinity
        encodings.withUnsafeBufferPointer { rows in
            for frame in 0..<frames {
                var distance: Float = 0
                let row = rows.baseAddress! + frame * width
                for d in 0..<width { distance += abs(row[d] - latent[d]) }
                if distance < bestDistance { (best, bestDistance) = (frame, distance) }
            }
        }
        return best
    }
}
