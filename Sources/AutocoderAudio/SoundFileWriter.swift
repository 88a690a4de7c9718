// Writes sound files through libsndfile, in the container the file name's
// extension chooses (SoundFileContainer: WAV as RF64 with automatic downgrade,
// AIFF, FLAC, W64, RF64, CAF).
//
// The header is rewritten after every write (SFC_SET_UPDATE_HEADER_AUTO), so a
// file cut off by a crash or SIGKILL still plays up to its last write; a .wav
// past 4 GB turns into RF64 at the write that crosses the limit, so this holds
// above 4 GB too. (FLAC is the exception: its length is only written on close.)
// One writer per thread; never used on the audio thread.

internal import CSndFile
import Foundation

public struct SoundFileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }
}

public final class SoundFileWriter {
    public enum SampleFormat: String, CaseIterable, Sendable {
        case float32 = "float"
        case pcm24 = "24"
    }

    public let path: String
    public let channels: Int
    public let sampleRate: Int
    public let container: SoundFileContainer
    /// What the file holds: the format asked for, except in FLAC (always 24-bit).
    public let sampleFormat: SampleFormat
    public private(set) var framesWritten = 0
    private var file: OpaquePointer?

    /// Creates the file, in the container its extension names. Refuses to
    /// replace an existing file unless `overwrite`.
    public init(path: String, channels: Int, sampleRate: Int, format: SampleFormat = .float32, overwrite: Bool = false) throws {
        self.path = path
        self.channels = channels
        self.sampleRate = sampleRate
        container = try Self.checkCanCreate(path: path, overwrite: overwrite)
        sampleFormat = container.sampleFormat(for: format)
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = container.libsndfileFormat(format)
        guard let file = sf_open(path, Int32(SFM_WRITE), &info) else {
            let reason = String(cString: sf_strerror(nil))
            throw SoundFileError(path: path, problem: "cannot be created: \(reason)")
        }
        self.file = file
        if container == .wav {
            // Before the first write: a plain RIFF/WAVE header until the file reaches 4 GB.
            sf_command(file, Int32(SFC_RF64_AUTO_DOWNGRADE), nil, Int32(SF_TRUE))
        }
        sf_command(file, Int32(SFC_SET_UPDATE_HEADER_AUTO), nil, Int32(SF_TRUE))
        // The optional PEAK chunk carries the time of writing, which would make
        // two renders of the same seed differ; leave it out. (libsndfile 1.2
        // refuses this for RF64: `close` clears the time there instead.)
        sf_command(file, Int32(SFC_SET_ADD_PEAK_CHUNK), nil, Int32(SF_FALSE))
        sf_command(file, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
    }

    deinit { try? close() }

    /// Throws what `init` would for an existing file or a directory at `path`,
    /// or a name with no known extension; returns the container the name chooses.
    /// Lets a long render fail before it starts rather than after.
    @discardableResult
    public static func checkCanCreate(path: String, overwrite: Bool) throws -> SoundFileContainer {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard !isDirectory.boolValue else { throw SoundFileError(path: path, problem: "is a directory") }
            guard overwrite else { throw SoundFileError(path: path, problem: "already exists (not overwritten)") }
        }
        return try SoundFileContainer(path: path)
    }

    /// Appends interleaved frames; throws when the disk refuses them (full, gone).
    public func write(_ samples: UnsafePointer<Float>, frames: Int) throws {
        guard let file else { throw SoundFileError(path: path, problem: "is closed") }
        let written = Int(sf_writef_float(file, samples, sf_count_t(frames)))
        framesWritten += written
        guard written == frames else {
            throw SoundFileError(path: path, problem: "write failed after \(framesWritten) frames: \(String(cString: sf_strerror(file)))")
        }
    }

    public func write(_ samples: [Float]) throws {
        try samples.withUnsafeBufferPointer { try write($0.baseAddress!, frames: samples.count / channels) }
    }

    /// Finishes the header and closes the file. Safe to call twice.
    public func close() throws {
        guard let file else { return }
        self.file = nil
        guard sf_close(file) == 0 else { throw SoundFileError(path: path, problem: "could not be closed cleanly") }
        if container == .wav || container == .rf64 { Self.clearPeakTime(path) }
    }

    /// Zeroes the time of writing in a RIFF/RF64 file's PEAK chunk, if it has
    /// one, so that the same samples always give the same bytes.
    private static func clearPeakTime(_ path: String) {
        guard let handle = FileHandle(forUpdatingAtPath: path) else { return }
        defer { try? handle.close() }
        let header = [UInt8]((try? handle.read(upToCount: 4096)) ?? Data())
        func word(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(header[at + $1]) << (8 * $1) } }
        var chunk = 12   // after RIFF/RF64 size WAVE
        while chunk + 16 <= header.count {
            let id = String(decoding: header[chunk..<chunk + 4], as: UTF8.self)
            if id == "data" { return }
            if id == "PEAK" {
                // PEAK: version (4 bytes), then the time of writing (4 bytes).
                try? handle.seek(toOffset: UInt64(chunk + 12))
                try? handle.write(contentsOf: Data(count: 4))
                return
            }
            chunk += 8 + (word(chunk + 4) + 1) / 2 * 2
        }
    }
}
