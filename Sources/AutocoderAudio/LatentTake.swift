// The latent trajectory of a take: `TAKE.wav.latents.npy` beside the sound,
// the rows the engine's voices leave in `PlayedLatents` while it records (see
// `LatentTrajectory` for the format). Row times count samples from the take's
// first sample, at the centre of each hop's synthesis frame, so
// `render --trajectory` plays each hop what the take played there. Rows are
// held back for `holdBack` frames and sorted before they are written, since
// voices leave them in the order they are rendered. The file grows in place
// beside the take, as the take's WAV does, each 256 rows followed by a valid
// header (`LatentTrajectoryWriter`), with its sidecar naming the take as its
// sound: a server killed mid-take leaves a take and a trajectory that match,
// each up to its last write. Like the take, it never replaces a file: the
// recorder refuses a take whose trajectory's name is taken (unless told to
// overwrite, when the old one goes as the take starts).
//
// The file is created at the first row, with that row's latent count; a take
// of voices with models of another latent count keeps the first kind and
// leaves the others out. A take in which no voice decoded (granular
// voices alone) has no trajectory.
//
// Threading: the recorder's, under its lock.

import AutocoderEngine
import AutocoderModel
import Foundation

final class LatentTake {
    /// Where the trajectory goes: the take's path + `.latents.npy`.
    let path: String
    /// Engine frame of the take's first sample.
    let startFrame: Int
    private let sidecar: TrajectorySidecar
    private var writer: LatentTrajectoryWriter?
    private var pending: [PlayedLatentRow] = []
    private var newestFrame = Int.min
    private var lastWritten = (frame: Int.min, voice: Int.min)

    /// More than a render chunk plus half the largest FFT: how far behind the
    /// newest row a row may arrive.
    static let holdBack = SynthesisShape.fftSizes.upperBound

    static func path(forTake take: String) -> String { take + ".latents.npy" }

    /// Removes what an earlier take of the name left (the recorder has checked it may).
    init(take: String, startFrame: Int, sidecar: TrajectorySidecar) {
        path = Self.path(forTake: take)
        self.startFrame = startFrame
        self.sidecar = sidecar
        pending.reserveCapacity(4096)
        unlink(path)
        unlink(TrajectorySidecar.path(for: path))
    }

    /// Takes the rows waiting in `played` and writes those no later row can come before.
    func take(from played: PlayedLatents) throws {
        while let row = played.take() {
            guard row.frame >= startFrame else { continue }
            pending.append(row)
            newestFrame = max(newestFrame, row.frame)
        }
        guard newestFrame != .min else { return }
        try write(upTo: newestFrame - Self.holdBack)
    }

    /// Writes every row and closes the file. Returns the path written, or nil
    /// when no voice left a row.
    func finish(from played: PlayedLatents) throws -> String? {
        try take(from: played)
        try write(upTo: .max)
        guard let writer else { return nil }
        try writer.finish()
        return path
    }

    private func write(upTo last: Int) throws {
        guard !pending.isEmpty else { return }
        pending.sort { ($0.frame, $0.voice) < ($1.frame, $1.voice) }
        let due = pending.firstIndex { $0.frame > last } ?? pending.count
        for row in pending[..<due] {
            if writer == nil {
                writer = try LatentTrajectoryWriter(path: path, latentCount: row.latent.count, inPlace: true)
                try sidecar.write(for: path)
            }
            // Left out: rows of another latent count, or repeating a written row's time and voice.
            guard let writer, row.latent.count == writer.latentCount, (row.frame, row.voice) > lastWritten else { continue }
            lastWritten = (row.frame, row.voice)
            var latent = row.latent.values
            try withUnsafeBytes(of: &latent) { bytes in
                try writer.append(time: Double(row.frame - startFrame), voice: row.voice,
                                  latent: UnsafeBufferPointer(start: bytes.baseAddress!.assumingMemoryBound(to: Float.self), count: row.latent.count))
            }
        }
        pending.removeFirst(due)
    }
}
