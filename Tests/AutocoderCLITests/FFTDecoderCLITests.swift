// `info`, `decode` and `render` on bundles of `.fft.dec` + `.mm` only, as the
// training notebook makes them (the TensorFlow fixtures of FFTDEC.md), and on
// a bundle that has both a `.dec` and a `.fft.dec`.

import AudioTestSupport
import AutocoderModel
import Foundation
import Testing

@Suite struct FFTDecoderCLITests {
    static let standard = CLI.fixtures + "/fft-tf28-full-shallow"
    static let generic = CLI.fixtures + "/fft-tf28-generic-shallow"

    static func row(_ name: String, _ r: Int) throws -> (latent: [Float], decoded: [Float]) {
        let latents = try NumPyArray(contentsOf: CLI.fixtures + "/\(name).latents.npy")
        let decoded = try NumPyArray(contentsOf: CLI.fixtures + "/\(name).decoded.npy")
        let width = decoded.shape[1]
        return (Array(latents.floats[r * 8..<r * 8 + 8]), Array(decoded.floats[r * width..<(r + 1) * width]))
    }

    /// A folder with `both.wav.dec` (the bundled model) and `both.wav.fft.dec` (its mel decoder through the standard matrix).
    static func bothBundle() throws -> (directory: String, anchor: String) {
        let directory = NSTemporaryDirectory() + "autocoder-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let anchor = directory + "/both.wav"
        try NotebookModels.writeBundle(anchor: anchor, from: CLI.root + "/models/drone.wav")
        try FileManager.default.copyItem(atPath: CLI.root + "/models/drone.wav.dec", toPath: anchor + ".dec")
        return (directory, anchor)
    }

    @Test func infoSaysWhichPathTheModelTakesAndListsItsOperators() throws {
        let standard = try CLI.run(["info", Self.standard])
        #expect(standard.status == 0, "\(standard.stderr)")
        for line in [
            "architecture  shallow: input_dim 512, intermediate_dim 1000, encoded_dim 8",
            "fft decoder   8 -> 4096 values",
            "synthesis   linear spectrum 4096 bins: standard inversion matrix at 8192 → plays from its 512 mel values",
            "EXPAND_DIMS axis 1: [-1, 512] -> [-1, 1, 512] (shape only)",
            "BATCH_MATMUL 512 -> 4096 by constant 'decoder/dot/Cast' [1, 512, 4096]",
            "RESHAPE [-1, 1, 4096] -> [-1, 4096] (shape only)",
        ] {
            #expect(standard.stdout.contains(line), "missing \"\(line)\" in\n\(standard.stdout)")
        }
        let generic = try CLI.run(["info", Self.generic + ".fft.dec"])
        #expect(generic.status == 0, "\(generic.stderr)")
        #expect(generic.stdout.contains("synthesis   linear spectrum 1000 bins: maps 1000 bins by frequency (bin k at k × 22050 / 1000 Hz)"), "\(generic.stdout)")

        let (directory, anchor) = try Self.bothBundle()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let both = try CLI.run(["info", anchor])
        #expect(both.stdout.contains("synthesis   mel decoder: 512 bands"), "\(both.stdout)")
        #expect(both.stdout.contains("plays from its 512 mel values (not played: the .dec is; load it with /open/fft or --fft-dec)"), "\(both.stdout)")

        let refused = try CLI.run(["info", CLI.fixtures + "/fft-tf28-unsupported-cumsum"])
        #expect(refused.status != 0 && refused.stderr.contains("unsupported operator CUMSUM (operator #3)"), "\(refused.stderr)")
    }

    @Test(arguments: ["fft-tf25-full-shallow", "fft-tf28-full-shallow", "fft-tf215-full-shallow", "fft-tf28-generic-shallow"])
    func decodePrintsTheModelsOwnOutput(name: String) throws {
        let (latent, expected) = try Self.row(name, 7)
        let result = try CLI.run(["decode", CLI.fixtures + "/" + name] + latent.map { "\($0)" })
        #expect(result.status == 0, "\(result.stderr)")
        let values = CLI.numbers(result.stdout.split(separator: "\n")[0])
        #expect(values.count == expected.count)
        let bound = 1e-4 * expected.map(abs).max()! + 1e-7
        #expect(zip(values, expected).allSatisfy { abs($0 - $1) <= bound })
    }

    @Test func aBundleWithBothPlaysTheDecAndDecodesTheFFTDecOnRequest() throws {
        let (directory, anchor) = try Self.bothBundle()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let mel = try CLI.run(["decode", anchor, "0.5"])
        let linear = try CLI.run(["decode", anchor, "0.5", "--fft-dec"])
        #expect(mel.status == 0 && linear.status == 0, "\(mel.stderr) \(linear.stderr)")
        #expect(CLI.numbers(mel.stdout.split(separator: "\n")[0]).count == 512)
        #expect(CLI.numbers(linear.stdout.split(separator: "\n")[0]).count == 4096)
        for fft in [false, true] {
            let render = try CLI.run(["render", anchor, "--frames", "100", "--out", directory + "/\(fft).wav"] + (fft ? ["--fft-dec"] : []))
            #expect(render.status == 0, "\(render.stderr)")
        }
        // The standard matrix plays from its mel values, exactly as the .dec does.
        #expect(FileManager.default.contents(atPath: directory + "/true.wav") == FileManager.default.contents(atPath: directory + "/false.wav"))
    }

    @Test func autocodeTakesAFFTDecCarrier() throws {
        // The bundled model's encoder beside a .fft.dec of its mel decoder and the
        // standard matrix: the carrier plays its mel part, so the result is the .dec's.
        let (directory, anchor) = try Self.bothBundle()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: CLI.root + "/models/drone.wav.enc", toPath: anchor + ".enc")
        let fftOnly = directory + "/fft.wav"
        for ext in [".fft.dec", ".enc", ".mm"] { try FileManager.default.copyItem(atPath: anchor + ext, toPath: fftOnly + ext) }
        try TestSoundFiles.writeFloatWAV(TestSoundFiles.tone(seconds: 2), to: directory + "/tone.wav")
        for carrier in [anchor, fftOnly] {
            let run = try CLI.run(["autocode", carrier, directory + "/tone.wav", "--format", "float", "--out", carrier + ".out.wav"])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let mel = try #require(TestSoundFiles.readFloatWAV(anchor + ".out.wav")), linear = try #require(TestSoundFiles.readFloatWAV(fftOnly + ".out.wav"))
        #expect(rms(linear.samples) > 0.01)
        #expect(mel.samples == linear.samples)
    }

    @Test(arguments: [(4096, 512, 20), (16384, 2048, 40)], ["fft-tf28-full-shallow", "fft-tf28-generic-shallow"])
    func aRenderHeldAtOneLatentFollowsTheDecodedSpectrum(shape: (fft: Int, hop: Int, seconds: Int), name: String) throws {
        let directory = NSTemporaryDirectory() + "autocoder-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (latent, decoded) = try Self.row(name, 7)
        let frames = shape.seconds * 44100 / shape.hop
        let result = try CLI.run(["render", CLI.fixtures + "/" + name, "--no-walk", "--latent"] + latent.map { "\($0)" }
            + ["--fft", "\(shape.fft)", "--hop", "\(shape.hop)", "--frames", "\(frames)", "--format", "float", "--out", directory + "/held.wav"])
        #expect(result.status == 0, "\(result.stderr)")
        let take = try #require(TestSoundFiles.readFloatWAV(directory + "/held.wav"))
        #expect(take.channels == 1 && take.samples.count == frames * shape.hop)
        let settled = Array(take.samples[44100...])
        #expect(settled.allSatisfy(\.isFinite) && rms(settled) > 1e-3, "RMS \(rms(settled))")
        let correlation = logSpectrumCorrelation(settled, size: shape.fft, sampleRate: 44100, reference: decoded)
        print("render of \(name) held, \(shape.fft)/\(shape.hop): log-spectrum correlation \(String(format: "%.3f", correlation))")
        #expect(correlation > 0.9, "\(name) at \(shape.fft)/\(shape.hop): \(correlation)")
    }
}
