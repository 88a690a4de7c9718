// What a sound file's header says, read through libsndfile without reading
// its samples (a take of several gigabytes is not loaded to learn its length),
// and reading a stretch of frames from anywhere in it. Any thread but the
// audio thread.

internal import CSndFile
import Foundation

public struct SoundFileInfo: Sendable {
    public let path: String
    public let frames: Int
    public let channels: Int
    public let sampleRate: Int
    /// libsndfile's name of the container, e.g. "WAV (Microsoft)", "RF64 (RIFF 64)", "AIFF (Apple/SGI)".
    public let containerName: String
    /// libsndfile's name of the sample encoding, e.g. "32 bit float", "Signed 24 bit PCM".
    public let encodingName: String

    public init(path: String) throws {
        var info = SF_INFO()
        guard let file = sf_open(path, Int32(SFM_READ), &info) else {
            throw SoundFileError(path: path, problem: "not a readable sound file: \(String(cString: sf_strerror(nil)))")
        }
        defer { sf_close(file) }
        self.path = path
        frames = Int(info.frames)
        channels = Int(info.channels)
        sampleRate = Int(info.samplerate)
        containerName = Self.formatName(info.format & Int32(SF_FORMAT_TYPEMASK))
        encodingName = Self.formatName(info.format & Int32(SF_FORMAT_SUBMASK))
    }

    /// `count` interleaved frames from frame `start` (fewer at the end of the file).
    public func read(from start: Int, count: Int) throws -> [Float] {
        var info = SF_INFO()
        guard let file = sf_open(path, Int32(SFM_READ), &info) else {
            throw SoundFileError(path: path, problem: "not a readable sound file: \(String(cString: sf_strerror(nil)))")
        }
        defer { sf_close(file) }
        guard sf_seek(file, sf_count_t(start), SEEK_SET) == sf_count_t(start) else {
            throw SoundFileError(path: path, problem: "cannot seek to frame \(start) of \(info.frames)")
        }
        var samples = [Float](repeating: 0, count: count * Int(info.channels))
        let read = samples.withUnsafeMutableBufferPointer { sf_readf_float(file, $0.baseAddress, sf_count_t(count)) }
        return Array(samples.prefix(Int(read) * Int(info.channels)))
    }

    private static func formatName(_ format: Int32) -> String {
        var description = SF_FORMAT_INFO()
        description.format = format
        guard sf_command(nil, Int32(SFC_GET_FORMAT_INFO), &description, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0, let name = description.name else {
            return "format 0x\(String(format, radix: 16))"
        }
        return String(cString: name)
    }
}
