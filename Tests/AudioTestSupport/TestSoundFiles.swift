// Sound files the tests need that no encoder would write: float WAVs holding
// NaN or infinity, and WAVs whose header promises more than the file holds.

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

    private static func le32(_ value: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(value).littleEndian) { Array($0) } }
    private static func le16(_ value: Int) -> [UInt8] { withUnsafeBytes(of: UInt16(value).littleEndian) { Array($0) } }
}
