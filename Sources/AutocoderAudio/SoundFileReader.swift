// Reads sound files through libsndfile (WAV, AIFF, FLAC, Ogg …) into memory,
// refusing what is not sound (a path that cannot be opened, non-finite
// samples) and noting a file that holds less than its header promises.
// Any thread but the audio thread.

import AutocoderModel
internal import CSndFile
import Foundation

public struct SoundFile: Sendable {
    /// Interleaved samples.
    public let samples: [Float]
    public let channels: Int
    public let sampleRate: Int
    /// A problem worth telling the user that did not stop the file from being
    /// read: "header promises 30.0 s, the file holds 1.1 s" for a truncated file.
    public let warning: String?

    public var frames: Int { samples.count / max(channels, 1) }

    public init(contentsOf path: String) throws {
        if let problem = FileEntry.readProblem(path) { throw SoundFileError(path: path, problem: problem) }
        var info = SF_INFO()
        guard let file = sf_open(path, Int32(SFM_READ), &info) else {
            throw SoundFileError(path: path, problem: "not a readable sound file: \(String(cString: sf_strerror(nil)))")
        }
        defer { sf_close(file) }
        channels = Int(info.channels)
        sampleRate = Int(info.samplerate)
        var samples = [Float](repeating: 0, count: Int(info.frames) * Int(info.channels))
        let read = Int(samples.withUnsafeMutableBufferPointer { sf_readf_float(file, $0.baseAddress, info.frames) })
        self.samples = Array(samples.prefix(read * channels))
        if let first = self.samples.firstIndex(where: { !$0.isFinite }) {
            let count = self.samples.count(where: { !$0.isFinite })
            throw SoundFileError(path: path, problem: String(format: "contains %d non-finite sample%@ (first at %.3f s); a sound holds finite values",
                                                             count, count == 1 ? "" : "s", Double(first / channels) / Double(sampleRate)))
        }
        let held = Double(read) / Double(sampleRate)
        let promised = Self.promisedSeconds(file, heldSeconds: held, headerFrames: Int(info.frames), sampleRate: sampleRate)
        warning = promised.map { String(format: "header promises %.1f s, the file holds %.1f s (truncated?)", $0, held) }
    }

    /// The length the header declares when the file holds less, else nil. WAV
    /// and AIFF headers give their data's size, which libsndfile checks against
    /// the file and logs ("data : 2646000 (should be 97020)"); compressed
    /// formats give a frame count that reading then falls short of.
    private static func promisedSeconds(_ file: OpaquePointer, heldSeconds: Double, headerFrames: Int, sampleRate: Int) -> Double? {
        var log = [CChar](repeating: 0, count: 16384)
        _ = sf_command(file, Int32(SFC_GET_LOG_INFO), &log, Int32(log.count))
        for line in String(cString: log).split(separator: "\n") {
            let fields = line.split(whereSeparator: { " :()".contains($0) })
            guard fields.count == 5, ["data", "SSND"].contains(fields[0]), fields[2] == "should", fields[3] == "be",
                  let declared = Double(fields[1]), let actual = Double(fields[4]), actual > 0, declared > actual else { continue }
            return heldSeconds * declared / actual
        }
        let heldFrames = Int((heldSeconds * Double(sampleRate)).rounded())
        return headerFrames > heldFrames ? Double(headerFrames) / Double(sampleRate) : nil
    }

    /// Channel `channel` alone.
    public func channel(_ channel: Int) -> [Float] {
        stride(from: channel, to: samples.count, by: channels).map { samples[$0] }
    }
}
