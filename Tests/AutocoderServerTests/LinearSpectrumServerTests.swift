// The server with the bundles musicians have: `.fft.dec` + `.mm` only (the
// TensorFlow fixtures of FFTDEC.md, copied under an anchor as the published
// bundles are), over real UDP, with the Max external's names (/open,
// /open/fft, /output_size) and the usual ones; the voice plays them, the swaps
// leave no gap, and the granular and autocode voices take such an anchor.

import AudioTestSupport
import AutocoderAudio
import AutocoderModel
import AutocoderOSC
import Foundation
import Testing

@Suite(.serialized) struct LinearSpectrumServerTests {
    /// `directory/NAME.wav` holding the fixture set's `.fft.dec` and `.mm`, as a published bundle.
    static func publishedBundle(_ fixture: String, as name: String, in directory: String) throws -> String {
        let anchor = directory + "/" + name
        for ext in [".fft.dec", ".mm"] {
            try FileManager.default.copyItem(atPath: Binaries.fixtures + "/" + fixture + ext, toPath: anchor + ext)
        }
        return anchor
    }

    static func fixtureRow(_ fixture: String, _ r: Int) throws -> (latent: [Float], decoded: [Float]) {
        let latents = try NumPyArray(contentsOf: Binaries.fixtures + "/\(fixture).latents.npy")
        let decoded = try NumPyArray(contentsOf: Binaries.fixtures + "/\(fixture).decoded.npy")
        let width = decoded.shape[1]
        return (Array(latents.floats[r * 8..<r * 8 + 8]), Array(decoded.floats[r * width..<(r + 1) * width]))
    }

    static func withinBound(_ reply: OSCMessage?, _ expected: [Float]) -> Bool {
        let values = reply?.arguments.compactMap(\.float) ?? []
        let bound = 1e-4 * (expected.map(abs).max() ?? 0) + 1e-7
        return values.count == expected.count && zip(values, expected).allSatisfy { abs($0 - $1) <= bound }
    }

    @Test func aPublishedBundleLoadsDecodesAndPlaysWithoutAGap() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let row = try Self.publishedBundle("fft-tf28-full-shallow", as: "row.wav", in: directory)
        let generic = try Self.publishedBundle("fft-tf28-generic-shallow", as: "generic.wav", in: directory)
        let server = try ServerProcess(["--null-output", "--no-walk", "--glide", "0"])
        // The bundled model's centre is all but silent (-90 dBFS): start from its loud corner.
        server.send("/latent", [OSCArgument](repeating: .float(0), count: 8))
        usleep(200_000)
        _ = server.request("/record/start", [.string(directory + "/take.wav")], reply: "/record/started")
        usleep(500_000)

        // /load/decoder, as the Python server's patches send it.
        #expect(server.request("/load/decoder", [.string(row)], reply: "/loaded")?.arguments == [.string(row)])
        let (latent, decoded) = try Self.fixtureRow("fft-tf28-full-shallow", 7)
        #expect(Self.withinBound(server.request("/decode", latent.map { .float($0) }, reply: "/decoded"), decoded), "4096 values, the model's own")
        #expect(server.request("/output_size", [.int(4096)], reply: "/output_size")?.arguments == [.int(4096)])
        #expect(server.expectError("/output_size", [.int(512)]) == "the loaded model makes 4096 values, not 512")
        #expect(server.status()["model"] == .string(row))
        usleep(2_500_000)
        let rowEnds = server.status()["recorded_frames"]?.int ?? 0

        // The Max external's /open/fft, on a model whose matrix is no filterbank.
        #expect(server.request("/open/fft", [.string(generic)], reply: "/loaded")?.arguments == [.string(generic)])
        let (genericLatent, genericDecoded) = try Self.fixtureRow("fft-tf28-generic-shallow", 3)
        #expect(Self.withinBound(server.request("/decode", genericLatent.map { .float($0) }, reply: "/decoded"), genericDecoded))
        #expect(server.request("/output_size", [.float(1000)], reply: "/output_size")?.arguments == [.int(1000)])
        usleep(1_000_000)

        // /open as /load/decoder, and back to a .dec.
        #expect(server.request("/open", [.string(row)], reply: "/loaded")?.arguments == [.string(row)])
        usleep(700_000)
        #expect(server.request("/load/decoder", [.string(Binaries.bundledModel)], reply: "/loaded") != nil)
        #expect(server.request("/output_size", [.int(512)], reply: "/output_size")?.arguments == [.int(512)])
        usleep(700_000)
        _ = server.request("/record/stop", reply: "/record/stopped")
        #expect(server.status()["rejected"] == .int(1))

        let left = try SoundFile(contentsOf: directory + "/take.wav").channel(0)
        #expect(left.count > 5 * 44100)
        for start in stride(from: 0, to: left.count - 441, by: 441) {
            #expect(rms(left[start..<start + 441]) > 1e-4, "a silent 10 ms at \(Double(start) / 44100) s")
        }
        // What played while the notebook's model was held at the latent point
        // follows the spectrum /decode gave.
        let held = Array(left[(rowEnds - 88200)..<rowEnds])
        let correlation = logSpectrumCorrelation(held, size: 4096, sampleRate: 44100, reference: decoded)
        print("recording of the .fft.dec held for 2 s: log-spectrum correlation \(String(format: "%.3f", correlation))")
        #expect(rms(held) > 0.005 && correlation > 0.9, "RMS \(rms(held)), correlation \(correlation)")
    }

    @Test func theMaxExternalsNamesAndABundleWithBoth() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let both = directory + "/both.wav"
        try NotebookModels.writeBundle(anchor: both, from: Binaries.bundledModel)
        for ext in [".dec", ".enc"] { try FileManager.default.copyItem(atPath: Binaries.bundledModel + ext, toPath: both + ext) }
        let server = try ServerProcess(["--null-output", "--root", directory])

        #expect(server.request("/open", [.string("both.wav")], reply: "/loaded")?.arguments == [.string(both)])
        #expect(server.request("/decode", [.float(0.5)], reply: "/decoded")?.arguments.count == 512, "the .dec plays")
        #expect(server.request("/open/fft", [.string("both.wav")], reply: "/loaded")?.arguments == [.string(both)])
        #expect(server.request("/decode", [.float(0.5)], reply: "/decoded")?.arguments.count == 4096, "the .fft.dec, asked for")
        #expect(server.request("/output_size", [.int(4096)], reply: "/output_size") != nil)
        #expect(server.request("/encode", [.float(0.5)], reply: "/encoded")?.arguments.count == 8, "the encoder stays")
        #expect(server.request("/load", [.string("both.wav")], reply: "/loaded") != nil)
        #expect(server.request("/decode", [.float(0.5)], reply: "/decoded")?.arguments.count == 512)

        FileManager.default.createFile(atPath: directory + "/plain.wav.mm", contents: FileManager.default.contents(atPath: both + ".mm"))
        try FileManager.default.copyItem(atPath: both + ".dec", toPath: directory + "/plain.wav.dec")
        #expect(server.expectError("/open/fft", [.string("plain.wav")]).contains("plain.wav.fft.dec: no such file; the current model stays loaded"))
        #expect(server.expectError("/open", [.string("none.wav")]).contains("none.wav.mm: no such file"))
        #expect(server.expectError("/open/fft", [.string("/etc/passwd")]).contains("outside the --root folder"))
        #expect(server.expectError("/output_size", []).contains("expected 1 argument, got 0"))
        #expect(server.expectError("/output_size", [.float(0.5)]).contains("expected a whole number"))
        #expect(server.status()["model"] == .string(both))
    }

    @Test func aPublishedBundleServesFromStartAndCarriesTheOtherVoices() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let row = try Self.publishedBundle("fft-tf28-full-shallow", as: "row.wav", in: directory)
        // A sound with its similarity order and an encoder beside the .fft.dec: granular material and an autocode carrier.
        let carrier = directory + "/carrier.wav"
        try writeSound((0..<2 * 44100).map { sinf(Float($0) * 0.03) * 0.3 * Float($0 % 11025) / 11025 }, to: carrier)
        try writeNumPyInt64((0..<40 * 3).map { Int64(($0 * 7) % 40) }, shape: [40, 3], to: carrier + ".ord.npy")
        try NotebookModels.writeBundle(anchor: carrier, from: Binaries.bundledModel)
        try FileManager.default.copyItem(atPath: Binaries.bundledModel + ".enc", toPath: carrier + ".enc")

        let server = try ServerProcess(["--null-output", "--model", row, "--no-walk"])
        #expect(server.status()["model"] == .string(row))
        #expect(server.request("/decode", [.float(0.2)], reply: "/decoded")?.arguments.count == 4096)
        #expect(server.expectError("/encode", [.float(0.5)]).contains("no encoder loaded"))
        #expect(server.request("/load", [.string(row)], reply: "/loaded") != nil, "/load takes a bundle without an encoder")

        #expect(server.request("/load", [.string(carrier)], reply: "/loaded")?.arguments == [.string(carrier)])
        #expect(server.request("/load/granular", reply: "/loaded")?.arguments == [.string(carrier)], "the loaded model's sound")
        #expect(server.request("/autocode/input", [.string(carrier)], reply: "/autocode/input")?.arguments == [.string(carrier)])
        server.send("/stop")
        server.send("/autocode", [.int(1)])
        usleep(400_000)
        _ = server.request("/record/start", [.string(directory + "/autocode.wav")], reply: "/record/started")
        usleep(1_500_000)
        _ = server.request("/record/stop", reply: "/record/stopped")
        let autocoded = try SoundFile(contentsOf: directory + "/autocode.wav").channel(0)
        #expect(rms(autocoded) > 0.01, "the autocode voice plays through the .fft.dec carrier: RMS \(rms(autocoded))")

        server.send("/autocode", [.int(0)])
        server.send("/granular", [.int(1)])
        usleep(400_000)
        _ = server.request("/record/start", [.string(directory + "/grains.wav")], reply: "/record/started")
        usleep(1_000_000)
        _ = server.request("/record/stop", reply: "/record/stopped")
        #expect(rms(try SoundFile(contentsOf: directory + "/grains.wav").channel(0)) > 0.01)
        #expect(server.status()["rejected"] == .int(1))
    }
}
