// The commands on input a new user gives them: negative numbers, an FFT size
// without a hop, impossible granular requests, sounds holding NaN or less
// than their header says, models whose .mm disagrees with their layers or
// whose files are link loops, and a similarity table far larger than memory
// should need.

import AudioTestSupport
import AutocoderModel
import Foundation
import Testing

@Suite struct CLIInputTests {
    func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "autocoder-cli-input-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static let model = CLI.fixtures + "/new-tiny-shallow"
    static let sounds = CLI.root + "/Tests/Fixtures/sounds"

    @Test func negativeNumbersAreValues() throws {
        let plain = try CLI.run(["decode", Self.model, "--extrapolate", "0.5", "-0.5", "-2"])
        let terminated = try CLI.run(["decode", Self.model, "--extrapolate", "--", "0.5", "-0.5", "-2"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout == terminated.stdout && !plain.stdout.isEmpty)
        let refused = try CLI.run(["decode", Self.model, "0.5", "-0.5"])
        #expect(refused.status != 0 && refused.stderr.contains("v2 = -0.5 is outside [0, 1] (use --extrapolate to allow it)"), "\(refused.stderr)")
        let render = try CLI.run(["render", Self.model, "--latent", "0.5", "-1", "--out", NSTemporaryDirectory() + "never.wav"])
        #expect(render.status != 0 && render.stderr.contains("latent value 2 = -1.0 is outside [0, 1]"), "\(render.stderr)")
    }

    @Test func anFFTSizeWithoutAHopTakesTheHopTheServerWould() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let autocode = try CLI.run(["autocode", Self.model, Self.sounds + "/complete.oga", "--fft", "256", "--offset", "-0.25", "--scale", "-1", "1",
                                    "--out", directory + "/a.wav"])
        #expect(autocode.status == 0, "\(autocode.stderr)")
        let render = try CLI.run(["render", Self.model, "--fft", "256", "--frames", "10", "--out", directory + "/r.wav"])
        #expect(render.status == 0, "\(render.stderr)")
        #expect(render.stdout.contains("r.wav: 1280 frames"), "hop 128 = fft/2: \(render.stdout)")
        let odd = try CLI.run(["render", Self.model, "--fft", "256", "--hop", "256", "--out", directory + "/x.wav"])
        #expect(odd.status != 0 && odd.stderr.contains("hop 256 must be a power of two from 32 to half the FFT size (128)"))
    }

    /// A 2 s tone with a similarity order of its frames beside it; returns its path.
    func granularSource(in directory: String, samples: [Float] = TestSoundFiles.tone(seconds: 2)) throws -> String {
        let path = directory + "/tone.wav"
        try TestSoundFiles.writeFloatWAV(samples, to: path)
        let frames = Int((Double(samples.count) / 1024).rounded(.toNearestOrEven)) - 16 + 1
        try NumPyArray.write(int64: (0..<frames).map { Int64(($0 + 1) % frames) }, shape: [frames, 1], to: path + ".ord.npy")
        return path
    }

    @Test func aTrainingHopPastTheEndOfTheSoundIsRefused() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = try granularSource(in: directory)
        let fits = try CLI.run(["granular", source, "--seconds", "1", "--out", directory + "/fits.wav"])
        #expect(fits.status == 0, "\(fits.stderr)")
        let past = try CLI.run(["granular", source, "--training-hop", "100000", "--seconds", "1", "--out", directory + "/past.wav"])
        #expect(past.status != 0)
        #expect(past.stderr.contains("\(source): frame 70 of the 71 in the similarity order starts at 158.73 s at a training hop of 100000, past the end of the 2.00 s sound"),
                "\(past.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/past.wav"))
    }

    @Test func soundsWithNonFiniteSamplesAreRefusedByEveryCommand() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var samples = TestSoundFiles.tone(seconds: 2)
        for index in [22050, 22051, 30000] { samples[index] = .nan }
        let source = try granularSource(in: directory, samples: samples)
        let expected = "\(source): contains 3 non-finite samples (first at 0.500 s)"
        for arguments in [["analyze", source], ["autocode", Self.model, source, "--out", directory + "/a.wav"],
                          ["granular", source, "--out", directory + "/g.wav"]] {
            let result = try CLI.run(arguments)
            #expect(result.status != 0, "\(arguments[0]) exited 0")
            #expect(result.stderr.contains(expected), "\(arguments[0]): \(result.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["tone.wav", "tone.wav.ord.npy"])
    }

    @Test func aTruncatedSoundIsAnalysedWithAWarning() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/cut.wav"
        try TestSoundFiles.writeFloatWAV(TestSoundFiles.tone(seconds: 1.1), declaredFrames: 30 * 44100, to: path)
        let result = try CLI.run(["analyze", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("warning: \(path): header promises 30.0 s, the file holds 1.1 s"), "\(result.stderr)")
    }

    /// A copy of a fixture model whose .mm claims the other architecture.
    func mislabelled(_ name: String, in directory: String) throws -> String {
        let anchor = directory + "/" + name
        for ext in [".dec", ".enc"] { try FileManager.default.copyItem(atPath: CLI.fixtures + "/" + name + ext, toPath: anchor + ext) }
        var metadata = try ModelMetadata(contentsOf: CLI.fixtures + "/" + name + ".mm")
        metadata.deep.toggle()
        try Data(metadata.text.utf8).write(to: URL(fileURLWithPath: anchor + ".mm"))
        return anchor
    }

    @Test func infoTakesTheArchitectureFromTheLayers() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let deep = try CLI.run(["info", try mislabelled("new-tiny-deep", in: directory)])
        #expect(deep.status == 0, "\(deep.stderr)")
        #expect(deep.stdout.contains("architecture  deep: input_dim"), "\(deep.stdout)")
        #expect(deep.stdout.contains("note        new-tiny-deep.mm says shallow, but new-tiny-deep.dec has 8 dense layers (deep); the layers are what runs"),
                "\(deep.stdout)")
        let shallow = try CLI.run(["info", try mislabelled("new-tiny-shallow", in: directory)])
        #expect(shallow.stdout.contains("architecture  shallow: input_dim"), "\(shallow.stdout)")
        #expect(shallow.stdout.contains("new-tiny-shallow.mm says deep, but new-tiny-shallow.dec has 2 dense layers (shallow)"), "\(shallow.stdout)")
        let agreeing = try CLI.run(["info", CLI.fixtures + "/new-tiny-deep"])
        #expect(agreeing.stdout.contains("architecture  deep") && !agreeing.stdout.contains("note"))
    }

    @Test func infoNamesASymbolicLinkLoop() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let anchor = directory + "/loop.wav"
        try FileManager.default.copyItem(atPath: Self.model + ".mm", toPath: anchor + ".mm")
        try FileManager.default.copyItem(atPath: Self.model + ".enc", toPath: anchor + ".enc")
        try FileManager.default.createSymbolicLink(atPath: anchor + ".dec", withDestinationPath: anchor + ".dec")
        let result = try CLI.run(["info", anchor])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(anchor).dec: is a symbolic-link loop (ELOOP: too many levels of symbolic links)"), "\(result.stderr)")
    }

    @Test func distancesNeverHoldTheWholeTable() throws {
        // 4000 frames x 3999 nearest: a 128 MB table, which the command writes
        // block by block instead of holding it (it held it four times over).
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let anchor = directory + "/many.wav"
        let (frames, width) = (4000, 8)
        let values = (0..<frames * width).map { Double(($0 &* 2_654_435_761) % 1000) / 1000 }
        try NumPyArray.write(float64: values, shape: [frames, width], to: anchor + ".enc.npy")
        let run = try SpawnedProcess(CLI.executable, ["distances", anchor, "3999"])
        #expect(run.wait(timeout: 300) == .exited(0), "\(run.errors)")
        let tableKilobytes = frames * (frames - 1) * 8 / 1024
        #expect(run.maximumResidentKilobytes < tableKilobytes, "peak \(run.maximumResidentKilobytes) KB for a \(tableKilobytes) KB table")
        let order = try NumPyArray(contentsOf: anchor + ".ord.npy")
        #expect(order.shape == [frames, frames - 1])
        #expect(Set(order.values[0..<frames - 1].map { Int($0) }) == Set(1..<frames), "row 0 lists every other frame once")
    }
}
