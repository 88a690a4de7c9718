// Sound files the tests need that no encoder would write: float WAVs holding
// NaN or infinity, and WAVs whose header promises more than the file holds;
// and a reader of float WAVs for tests that cannot link libsndfile.

import Foundation

public enum TestSoundFiles {
    /// Writes mono 32-bit float WAV `samples` at `sampleRate`; the header
    /// declares `declaredFrames` (default: as many as there are).
    public static func writeFloatWAV(_ samples: [Float], sampleRate: Int = 44100, declaredFrames: Int? = nil, to path: String) throws {
        let dataBytes = (declaredFrames ?? samples.count) * 4
        var bytes = Array("RIFF".utf8) + le32(36 + dataBytes) + Array("WAVEfmt ".utf8) + le32(16)
        bytes += le16(3) + le16(1) + le32(sampleRate) + le32(sampleRate * 4) + le16(4) + le16(32)
        bytes += Array("data".utf8) + le32(dataBytes)
        for sample in samples { withUnsafeBytes(of: sample.bitPattern.littleEndian) { bytes += $0 } }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// `seconds` of a 440 Hz sine at `level` with a little noise (so analysis sees more than one frame shape).
    public static func tone(seconds: Double, sampleRate: Int = 44100, level: Float = 0.3) -> [Float] {
        var seed: UInt32 = 12345
        return (0..<Int(seconds * Double(sampleRate))).map { i in
            seed = seed &* 1_664_525 &+ 1_013_904_223
            let noise = Float(seed >> 8) / Float(1 << 24) - 0.5
            return level * Float(sin(2 * Double.pi * 440 * Double(i) / Double(sampleRate))) + 0.05 * noise
        }
    }

    /// The samples (interleaved), channels and rate of a 32-bit float WAV, or nil when it is not one.
    public static func readFloatWAV(_ path: String) -> (samples: [Float], channels: Int, sampleRate: Int)? {
        guard let data = FileManager.default.contents(atPath: path), data.count >= 12,
              data.prefix(4) == Data("RIFF".utf8), data[8..<12] == Data("WAVE".utf8) else { return nil }
        let bytes = [UInt8](data)
        func u32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        var at = 12, channels = 0, sampleRate = 0, bits = 0
        while at + 8 <= bytes.count {
            let id = String(decoding: bytes[at..<at + 4], as: UTF8.self), size = u32(at + 4)
            if id == "fmt " {
                guard [3, 0xFFFE].contains(u16(at + 8)) else { return nil }
                channels = u16(at + 10)
                sampleRate = u32(at + 12)
                bits = u16(at + 22)
            } else if id == "data", bits == 32, channels > 0 {
                let count = min(size, bytes.count - at - 8) / 4
                let samples = (0..<count).map { Float(bitPattern: UInt32(u32(at + 8 + 4 * $0))) }
                return (samples, channels, sampleRate)
            }
            at += 8 + size + size % 2
        }
        return nil
    }

    private static func le32(_ value: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(value).littleEndian) { Array($0) } }
    private static func le16(_ value: Int) -> [UInt8] { withUnsafeBytes(of: UInt16(value).littleEndian) { Array($0) } }
}
