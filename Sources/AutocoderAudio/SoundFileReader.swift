// Reads sound files through libsndfile (WAV, AIFF, FLAC, Ogg …) into memory.
// Any thread but the audio thread.

internal import CSndFile
import Foundation

public struct SoundFile: Sendable {
    /// Interleaved samples.
    public let samples: [Float]
    public let channels: Int
    public let sampleRate: Int

    public var frames: Int { samples.count / max(channels, 1) }

    public init(contentsOf path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SoundFileError(path: path, problem: "no such file")
        }
        guard !isDirectory.boolValue else { throw SoundFileError(path: path, problem: "is a directory") }
        var info = SF_INFO()
        guard let file = sf_open(path, Int32(SFM_READ), &info) else {
            throw SoundFileError(path: path, problem: "not a readable sound file: \(String(cString: sf_strerror(nil)))")
        }
        defer { sf_close(file) }
        channels = Int(info.channels)
        sampleRate = Int(info.samplerate)
        var samples = [Float](repeating: 0, count: Int(info.frames) * Int(info.channels))
        let read = samples.withUnsafeMutableBufferPointer { sf_readf_float(file, $0.baseAddress, info.frames) }
        self.samples = Array(samples.prefix(Int(read) * channels))
    }

    /// Channel `channel` alone.
    public func channel(_ channel: Int) -> [Float] {
        stride(from: channel, to: samples.count, by: channels).map { samples[$0] }
    }
}
