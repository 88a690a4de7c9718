import ArgumentParser
import AutocoderTraining
import Foundation

struct EncodeSet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode-set",
        abstract: "Encode every training frame: ANCHOR.npy through ANCHOR.enc into ANCHOR.enc.npy.",
        discussion: "The latent values are scaled with ANCHOR.mm, so the training set spans [0,1] per dimension (z_mean, for deep models too)."
    )

    @Argument(help: "The model's anchor (ANCHOR.npy, ANCHOR.enc and ANCHOR.mm must exist).")
    var anchor: String

    func run() throws {
        let (frames, latent) = try Distances.encodeSet(anchor: anchor)
        print("\(anchor).enc.npy: \(frames) frames x \(latent) latent values")
    }
}

struct DistancesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distances",
        abstract: "For every frame, its N most similar frames: ANCHOR.enc.npy into ANCHOR.ord.npy.",
        discussion: "L1 distance between latent vectors, nearest first (ties by index); the frame itself is left out. Used by granular synthesis and /distance/*."
    )

    @Argument(help: "The model's anchor (run `autocoder encode-set` first).")
    var anchor: String

    @Argument(help: "How many similar frames to keep per frame (at most frames − 1).", transform: NegativeNumbers.int)
    var n: Int

    /// Tables past this many bytes are announced with a warning before they are made.
    static let largeTable = 1_000_000_000

    func validate() throws {
        guard n >= 1 else { throw ValidationError("N must be at least 1") }
    }

    func run() throws {
        let (frames, kept) = try Distances.order(anchor: anchor, neighbours: n) { frames, kept, bytes in
            guard bytes > Self.largeTable else { return }
            FileHandle.standardError.write(Data(String(format: "warning: %@.ord.npy will be %.1f GB (%d frames x %d nearest, 8 bytes each); a smaller N makes it smaller\n",
                                                       anchor, Double(bytes) / 1e9, frames, kept).utf8))
        }
        print("\(anchor).ord.npy: \(frames) frames x \(kept) nearest")
    }
}
