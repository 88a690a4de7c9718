// Loads sound files the way the published autocoder (librosa.load(sr=44100,
// mono=True)) does: libsndfile reads them as floats, channels are averaged,
// and a file at another rate is resampled with libsoxr at high quality (the
// resampler librosa uses, `soxr_hq`). Every command and the server read sound
// files through here, so what SoundFile refuses (non-finite samples, paths
// that cannot be read) is refused everywhere, and what it warns about reaches
// the user. Any thread but the audio thread.

internal import CSoxr
import Foundation

public enum AudioLoader {
    /// The file as mono samples at `sampleRate`. `warn` gets what the user
    /// should know about a file that was read all the same (a truncated file);
    /// by default it goes to standard error.
    public static func loadMono(_ path: String, sampleRate: Int = 44100,
                                warn: (String) -> Void = AudioLoader.printWarning) throws -> [Float] {
        let file = try SoundFile(contentsOf: path)
        if let warning = file.warning { warn("\(path): \(warning)") }
        var mono = [Float](repeating: 0, count: file.frames)
        if file.channels == 1 {
            mono = file.samples
        } else {
            let scale = 1 / Float(file.channels)
            for frame in 0..<file.frames {
                var sum: Float = 0
                for c in 0..<file.channels { sum += file.samples[frame * file.channels + c] }
                mono[frame] = sum * scale
            }
        }
        guard file.sampleRate != sampleRate else { return mono }
        return try resample(mono, from: file.sampleRate, to: sampleRate, path: path)
    }

    /// Writes "warning: …" to standard error.
    public static func printWarning(_ text: String) {
        FileHandle.standardError.write(Data("warning: \(text)\n".utf8))
    }

    /// Mono `samples` from one rate to another, libsoxr high quality. Like
    /// librosa, the result has exactly ceil(count × ratio) samples.
    public static func resample(_ samples: [Float], from inputRate: Int, to outputRate: Int, path: String = "") throws -> [Float] {
        let length = Int((Double(samples.count) * Double(outputRate) / Double(inputRate)).rounded(.up))
        var result = [Float](repeating: 0, count: length + 64)
        var produced = 0
        var ioSpec = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var quality = soxr_quality_spec(UInt(SOXR_HQ), 0)
        let error = samples.withUnsafeBufferPointer { input in
            result.withUnsafeMutableBufferPointer { output in
                soxr_oneshot(Double(inputRate), Double(outputRate), 1, input.baseAddress, input.count, nil,
                             output.baseAddress, output.count, &produced, &ioSpec, &quality, nil)
            }
        }
        if let error { throw SoundFileError(path: path, problem: "resampling failed: \(String(cString: error))") }
        result.removeLast(result.count - min(produced, length))
        result += [Float](repeating: 0, count: length - result.count)
        return result
    }
}
