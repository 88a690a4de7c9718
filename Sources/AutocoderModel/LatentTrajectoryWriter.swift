// Writes a latent trajectory (`.latents.npy`, see `LatentTrajectory` for the
// format) as it is made: rows are gathered in a preallocated chunk, and each
// full chunk is appended to a hidden temporary beside the target
// (`.NAME.partial-PID`, the name AtomicWrite uses) and followed by a rewrite of
// the header's shape, so the file on disk is always a valid `.npy` of the rows
// written so far — as the recorder keeps its WAV header current. The data goes
// down before the header that counts it, so a process killed at any moment
// leaves that temporary holding a valid float32 array of every complete chunk
// (numpy ignores a partly written chunk after it). `finish()` writes the last
// rows and renames the file to its final name in one step.
//
// A take's trajectory grows `inPlace` instead, under its final name from the
// first row, as the take's WAV does: a server killed mid-take leaves both
// beside each other, each valid up to its last write.
//
// It lives in AutocoderModel beside NumPyArray (whose header it writes) and
// AtomicWrite (whose temporary naming it shares), with no audio dependency, so
// both the offline commands and the server can write trajectories.
//
// Threading: one writer thread calls everything. `append` copies into the
// chunk and allocates nothing; `flush`, `finish` and a full chunk do blocking
// file I/O, so the audio thread hands rows to a writer thread rather than
// calling it.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class LatentTrajectoryWriter {
    /// The final name, which the file takes in `finish()`.
    public let path: String
    /// Where the rows grow until then (and what a killed writer leaves): `path` itself when in place.
    public let temporaryPath: String
    public let latentCount: Int
    /// Rows on disk, counted by the header.
    public private(set) var rowsWritten = 0
    /// Rows appended (on disk or waiting in the chunk).
    public var rowsAppended: Int { rowsWritten + pending }

    /// Floats per row: time, voice, latent values.
    private var width: Int { 2 + latentCount }
    /// The header's fixed size: room for a shape of any row count.
    private static let headerLength = 128
    private let chunkRows: Int
    private let chunk: UnsafeMutableBufferPointer<Float>
    private var pending = 0
    private var descriptor: Int32
    private var lastTime = -Float.infinity
    private var lastVoice = Int.min

    /// Creates the temporary with a header of no rows. `chunkRows` rows are
    /// gathered before each write (256 rows of 512-sample hops: 3 s of sound at
    /// 44.1 kHz, lost at most when the process is killed). `inPlace` writes at
    /// `path` from the start (replacing what is there) rather than a temporary.
    public init(path: String, latentCount: Int, chunkRows: Int = 256, inPlace: Bool = false) throws {
        precondition(latentCount > 0 && chunkRows > 0)
        self.path = path
        self.latentCount = latentCount
        self.chunkRows = chunkRows
        temporaryPath = inPlace ? path : AutocoderModel.temporaryPath(for: URL(fileURLWithPath: path))
        chunk = .allocate(capacity: chunkRows * (2 + latentCount))
        chunk.initialize(repeating: 0)
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        // Every property is set: a throw from here on runs deinit, which closes and frees.
        guard descriptor >= 0 else { throw failure("could not be written") }
        do {
            try writeHeader()
        } catch {
            unlink(temporaryPath)
            throw error
        }
    }

    /// A writer dropped without `finish()` (an error part-way) closes its
    /// temporary and leaves it, valid, where it is.
    deinit {
        if descriptor >= 0 { close(descriptor) }
        chunk.deallocate()
    }

    /// Adds one row: `latent` (latentCount values) of voice `voice` at `time`
    /// samples. Rows must come in order of time, then voice; one out of order
    /// is refused and nothing is added.
    public func append(time: Double, voice: Int, latent: UnsafeBufferPointer<Float>) throws {
        precondition(latent.count == latentCount, "a row takes \(latentCount) latent values")
        let t = Float(time)
        guard t > lastTime || (t == lastTime && voice > lastVoice) else {
            throw ModelFileError(path: path, problem: "row \(rowsAppended) (time \(t), voice \(voice)) comes before the last one (time \(lastTime), voice \(lastVoice)): rows go in order of time, then voice")
        }
        lastTime = t
        lastVoice = voice
        let row = chunk.baseAddress! + pending * width
        row[0] = t
        row[1] = Float(voice)
        for d in 0..<latentCount { row[2 + d] = latent[d] }
        pending += 1
        if pending == chunkRows { try flush() }
    }

    public func append(time: Double, voice: Int, latent: [Float]) throws {
        try latent.withUnsafeBufferPointer { try append(time: time, voice: voice, latent: $0) }
    }

    /// Writes the rows gathered so far, then the header that counts them.
    public func flush() throws {
        guard pending > 0 else { return }
        let bytes = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: chunk[0..<pending * width]))
        // Float32 little-endian, as '<f4' says (every platform the package builds on).
        try write(bytes, at: Self.headerLength + rowsWritten * width * 4)
        rowsWritten += pending
        pending = 0
        try writeHeader()
    }

    /// Writes the last rows and renames the file to `path` (replacing what is
    /// there; in place, it is there already). The writer takes no rows after this.
    public func finish() throws {
        try flush()
        guard fsync(descriptor) == 0 || errno == EINVAL else { throw failure("could not be written") }
        close(descriptor)
        descriptor = -1
        guard temporaryPath == path || rename(temporaryPath, path) == 0 else { throw failure("could not be renamed into place") }
    }

    private func writeHeader() throws {
        let header = NumPyArray.header(dtype: "<f4", shape: [rowsWritten, width], length: Self.headerLength)
        precondition(header.count == Self.headerLength)
        try header.withUnsafeBytes { try write($0, at: 0) }
    }

    private func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        precondition(descriptor >= 0, "the trajectory is finished")
        var done = 0
        while done < bytes.count {
            let n = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw failure("could not be written") }
            done += n
        }
    }

    private func failure(_ what: String) -> ModelFileError {
        ModelFileError(path: path, problem: "\(what): \(String(cString: strerror(errno)))")
    }
}
