import ArgumentParser
import AutocoderAudio
import Foundation

/// The sound file an offline command writes, shared by `render`, `granular` and `autocode`.
struct OutputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The sound file to write: its extension (\(SoundFileContainer.extensionList)) chooses the kind.")
    var out: String

    @Option(help: "Sample format: float (32-bit float) or 24 (24-bit integer); FLAC is always 24-bit.")
    var format: SoundFileWriter.SampleFormat = .float32

    @Flag(help: "Replace the output file if it exists.")
    var overwrite = false

    /// Fails now if the file could not be written later (it exists, is a
    /// folder, or its extension names no kind of sound file).
    func checkWritable() throws {
        try SoundFileWriter.checkCanCreate(path: out, overwrite: overwrite)
    }

    func writer(channels: Int, sampleRate: Int) throws -> SoundFileWriter {
        try SoundFileWriter(path: out, channels: channels, sampleRate: sampleRate, format: format, overwrite: overwrite)
    }

    /// Writes mono `samples`, scaled to a peak of -1 dBFS when `normalize`; returns
    /// what to tell the user.
    func write(_ samples: [Float], sampleRate: Int, normalize: Bool) throws -> String {
        let peak = samples.reduce(0) { max($0, abs($1)) }
        let scale: Float = normalize && peak > 0 ? Float(pow(10, -1.0 / 20)) / peak : 1
        let writer = try writer(channels: 1, sampleRate: sampleRate)
        try writer.write(scale == 1 ? samples : samples.map { $0 * scale })
        try writer.close()
        let written = peak * scale
        let level = written > 0 ? String(format: "peak %.1f dBFS", 20 * log10(Double(written))) : "silent"
        let warning = written > 1 && writer.sampleFormat != .float32
            ? (writer.container == .flac ? " (clipped: use --normalize)" : " (clipped: use --normalize or --format float)") : ""
        return "\(out): \(samples.count) frames (\(String(format: "%.2f", Double(samples.count) / Double(sampleRate))) s), \(level)\(warning)"
    }
}
