// Writes WAV files through libsndfile.
//
// The header is rewritten after every write (SFC_SET_UPDATE_HEADER_AUTO), so a
// file cut off by a crash or SIGKILL still plays up to its last write.
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

        var libsndfile: Int32 {
            switch self {
            case .float32: Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT)
            case .pcm24: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_24)
            }
        }
    }

    public let path: String
    public let channels: Int
    public let sampleRate: Int
    public private(set) var framesWritten = 0
    private var file: OpaquePointer?

    /// Creates the file. Refuses to replace an existing file unless `overwrite`.
    public init(path: String, channels: Int, sampleRate: Int, format: SampleFormat = .float32, overwrite: Bool = false) throws {
        self.path = path
        self.channels = channels
        self.sampleRate = sampleRate
        try Self.checkCanCreate(path: path, overwrite: overwrite)
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = format.libsndfile
        guard let file = sf_open(path, Int32(SFM_WRITE), &info) else {
            let reason = String(cString: sf_strerror(nil))
            throw SoundFileError(path: path, problem: "cannot be created: \(reason)")
        }
        self.file = file
        sf_command(file, Int32(SFC_SET_UPDATE_HEADER_AUTO), nil, Int32(SF_TRUE))
        // The optional PEAK chunk carries the time of writing, which would make
        // two renders of the same seed differ; leave it out.
        sf_command(file, Int32(SFC_SET_ADD_PEAK_CHUNK), nil, Int32(SF_FALSE))
        sf_command(file, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
    }

    deinit { try? close() }

    /// Throws what `init` would for an existing file or a directory at `path`:
    /// lets a long render fail before it starts rather than after.
    public static func checkCanCreate(path: String, overwrite: Bool) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard !isDirectory.boolValue else { throw SoundFileError(path: path, problem: "is a directory") }
            guard overwrite else { throw SoundFileError(path: path, problem: "already exists (not overwritten)") }
        }
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
    }
}
