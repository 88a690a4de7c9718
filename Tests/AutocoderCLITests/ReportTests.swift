// `autocoder report` on copies of the bundled model beside its training sound:
// the PNG (signature, size, the loss panel drawn from ANCHOR.training.json or
// not), its figures (the reconstruction against the mean-frame baseline), the
// training notebook's `.fft.dec` alone (the standard matrix, and a matrix
// mapped by frequency), and what it refuses. TrainingHistory's file too.

import AudioTestSupport
import AutocoderModel
import AutocoderReport
import CCairo
import Foundation
import Testing

@Suite struct ReportTests {
    static let bundled = CLI.root + "/models/drone.wav"

    /// A scratch folder holding drone.wav and a copy of the bundled model's files; returns (folder, anchor).
    static func bundle(parts: [String] = [".dec", ".enc", ".mm", ".minmax"]) throws -> (directory: String, anchor: String) {
        let directory = NSTemporaryDirectory() + "autocoder-report-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let anchor = directory + "/drone.wav"
        try FileManager.default.copyItem(atPath: try DroneSound.path(), toPath: anchor)
        for part in parts { try FileManager.default.copyItem(atPath: Self.bundled + part, toPath: anchor + part) }
        return (directory, anchor)
    }

    struct Printed {
        let path: String
        let reconstruction: Double
        let baseline: Double
        let stdout: String
    }

    /// Runs `autocoder report` and reads what it prints.
    static func report(_ arguments: [String]) throws -> Printed {
        let result = try CLI.run(["report"] + arguments)
        #expect(result.status == 0, "report \(arguments.joined(separator: " ")): \(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        func figure(_ label: String) throws -> Double {
            let line = try #require(lines.first { $0.hasPrefix(label) }, "no '\(label)' in \(result.stdout)")
            return try #require(Double(line.dropFirst(label.count).split(separator: " ").first ?? ""), "\(line)")
        }
        let wrote = try #require(lines.first { $0.hasPrefix("wrote ") }, "\(result.stdout)")
        let path = String(wrote.dropFirst("wrote ".count).components(separatedBy: " in ").first ?? "")
        return Printed(path: path, reconstruction: try figure("spectral RMSE, reconstruction vs source:"),
                       baseline: try figure("spectral RMSE, mean-frame baseline vs source:"), stdout: result.stdout)
    }

    /// The PNG's size from its IHDR chunk, after checking the signature.
    static func pngSize(_ path: String) throws -> (width: Int, height: Int) {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        try #require(bytes.count > 24, "\(path) is \(bytes.count) bytes")
        #expect(Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "not a PNG signature")
        #expect(String(decoding: bytes[12..<16], as: UTF8.self) == "IHDR")
        func big(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (big(16), big(20))
    }

    /// Pixels of `rect` (x, y, width, height) in the PNG whose colour is within `tolerance` of `color` (0–255 per component).
    static func pixels(in path: String, rect: (Int, Int, Int, Int), near color: (Int, Int, Int), tolerance: Int = 12) throws -> Int {
        let image = try #require(cairo_image_surface_create_from_png(path))
        defer { cairo_surface_destroy(image) }
        try #require(cairo_surface_status(image) == CAIRO_STATUS_SUCCESS, "cairo could not read \(path)")
        let data = try #require(cairo_image_surface_get_data(image))
        let stride = Int(cairo_image_surface_get_stride(image))
        var count = 0
        for y in rect.1..<rect.1 + rect.3 {
            let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
            for x in rect.0..<rect.0 + rect.2 {
                let p = row[x]
                let (r, g, b) = (Int(p >> 16 & 0xFF), Int(p >> 8 & 0xFF), Int(p & 0xFF))
                if abs(r - color.0) <= tolerance && abs(g - color.1) <= tolerance && abs(b - color.2) <= tolerance { count += 1 }
            }
        }
        return count
    }

    /// The loss panel's data area in the 1600 × 1000 picture, and its line's colour.
    static let lossArea = (88, 590, 430, 310)
    static let lossLine = (31, 119, 180)

    @Test func theBundledModelsReportIsAPictureWhoseReconstructionBeatsTheMeanFrame() throws {
        let (directory, anchor) = try Self.bundle()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let started = Date()
        let printed = try Self.report([anchor])
        print("report of the bundled model in \(String(format: "%.1f", Date().timeIntervalSince(started))) s: reconstruction \(printed.reconstruction), mean-frame baseline \(printed.baseline)")
        #expect(printed.path == anchor + ".report.png")
        let size = try Self.pngSize(anchor + ".report.png")
        #expect(size.width >= 1000 && size.height >= 700, "\(size)")
        // The model reconstructs its own frames far closer than their average does.
        #expect(printed.reconstruction > 0 && printed.reconstruction < printed.baseline / 4, "\(printed.stdout)")
        #expect(printed.stdout.contains("2568 frames (60.0 s of sound), decoder drone.wav.dec (mel decoder); no loss history"), "\(printed.stdout)")
        // Without a history the panel says so, and draws no loss line.
        #expect(try Self.pixels(in: printed.path, rect: Self.lossArea, near: Self.lossLine) == 0)

        // --out writes there, and nothing is left behind but the two pictures.
        let other = directory + "/elsewhere.png"
        let again = try Self.report([anchor + ".dec", "--out", other])
        #expect(again.path == other && again.reconstruction == printed.reconstruction && again.baseline == printed.baseline)
        #expect(try Self.pngSize(other) == size)
        let left = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".png") || $0.contains("partial") }.sorted()
        #expect(left == ["drone.wav.report.png", "elsewhere.png"], "\(left)")
    }

    @Test func aFFTDecOnlyBundleReportsLikeItsDec() throws {
        let (directory, anchor) = try Self.bundle()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dec = try Self.report([anchor])

        // The notebook's layout: the .dec's layers, then the standard inversion matrix; no .dec.
        try NotebookModels.writeBundle(anchor: anchor, from: Self.bundled)
        try FileManager.default.removeItem(atPath: anchor + ".dec")
        let fft = try Self.report([anchor])
        print("report of the .fft.dec alone: reconstruction \(fft.reconstruction) (the .dec's \(dec.reconstruction)), baseline \(fft.baseline)")
        #expect(fft.stdout.contains("decoder drone.wav.fft.dec (4096 linear bins by the standard matrix: its 512 mel values)"), "\(fft.stdout)")
        #expect(abs(fft.reconstruction - dec.reconstruction) <= 2e-4 && fft.baseline == dec.baseline, "\(fft.stdout)")
        #expect(try Self.pngSize(fft.path).width >= 1000)

        // Another matrix: its linear bins are mapped to the mel bands by frequency, which blurs
        // the bands a little, so it lands further from the source than the mel values but far
        // closer than the mean frame.
        let bent = NotebookModels.inversionMatrix().map { $0 * 1.01 }
        try NotebookModels.writeBundle(anchor: anchor, from: Self.bundled, matrix: bent)
        let mapped = try Self.report([anchor])
        print("report of a .fft.dec mapped by frequency: reconstruction \(mapped.reconstruction), baseline \(mapped.baseline)")
        #expect(mapped.stdout.contains("4096 linear bins mapped to 512 mel bands by frequency"), "\(mapped.stdout)")
        #expect(mapped.reconstruction >= dec.reconstruction && mapped.reconstruction < dec.baseline / 2, "\(mapped.stdout)")
    }

    @Test func aBundleWithoutAnEncoderOrItsSoundIsRefusedNamingIt() throws {
        let (directory, anchor) = try Self.bundle(parts: [".dec", ".mm"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CLI.run(["report", anchor])
        #expect(result.status != 0)
        #expect(result.stderr.contains(anchor + ".enc: no such file"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: anchor + ".report.png"))

        // With its encoder but without its sound.
        try FileManager.default.copyItem(atPath: Self.bundled + ".enc", toPath: anchor + ".enc")
        try FileManager.default.removeItem(atPath: anchor)
        let soundless = try CLI.run(["report", anchor])
        #expect(soundless.status != 0 && soundless.stderr.contains(anchor + ": no such file: the report analyses the model's training sound"),
                "\(soundless.stderr)")

        let badOut = try CLI.run(["report", Self.bundled, "--out", directory + "/report.jpg"])
        #expect(badOut.status != 0 && badOut.stderr.contains("--out must name a .png file"), "\(badOut.stderr)")
    }

    @Test func aTrainingHistoryDrawsTheLossPanel() throws {
        let (directory, anchor) = try Self.bundle()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let without = try Self.report([anchor, "--out", directory + "/without.png"])
        // A loss falling over two decades, one epoch diverged on the way.
        var losses = (1...120).map { 3000 * exp(-Double($0) / 12) + 25 }
        losses[40] = .nan
        try TrainingHistory(losses: losses, bestEpoch: 120, secondsPerEpoch: 0.2, architecture: "shallow", stoppedBy: "epoch limit").write(anchor: anchor)
        let with = try Self.report([anchor, "--out", directory + "/with.png"])
        #expect(with.stdout.contains("loss history drone.wav.training.json (120 epochs)"), "\(with.stdout)")
        #expect(with.reconstruction == without.reconstruction)
        // The loss line is drawn in its panel (and only with the history).
        let drawn = try Self.pixels(in: with.path, rect: Self.lossArea, near: Self.lossLine)
        #expect(drawn > 300, "\(drawn) pixels of the loss line")
        #expect(try Self.pixels(in: without.path, rect: Self.lossArea, near: Self.lossLine) == 0)
        #expect(!with.stdout.contains("note:"), "\(with.stdout)")

        // A deep model's history beside a shallow model is drawn, and said to be perhaps another run's.
        try TrainingHistory(losses: losses, bestEpoch: 120, secondsPerEpoch: 0.2, architecture: "deep", stoppedBy: "epoch limit").write(anchor: anchor)
        let other = try Self.report([anchor, "--out", directory + "/other.png"])
        #expect(other.stdout.contains("note: the loss history is of a deep model, but this model's layers are shallow"), "\(other.stdout)")

        // A history that is not one is refused, naming the file.
        try Data("{\"losses\": [1, 2], \"bestEpoch\": 7}".utf8).write(to: URL(fileURLWithPath: anchor + ".training.json"))
        let corrupt = try CLI.run(["report", anchor])
        #expect(corrupt.status != 0 && corrupt.stderr.contains(anchor + ".training.json: is not a training history: '")
                && corrupt.stderr.contains("' is missing"), "\(corrupt.stderr)")
    }

    @Test func trainWritesItsHistoryAndItsReport() throws {
        let (directory, anchor) = try Self.bundle(parts: [])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for arguments in [["analyze", anchor], ["train", anchor, "--epochs", "30"]] {
            let result = try CLI.run(arguments)
            #expect(result.status == 0, "\(arguments[0]): \(result.stderr)")
            if arguments[0] == "train" {
                #expect(result.stdout.contains("wrote \(anchor).report.png: spectral RMSE of the reconstruction "), "\(result.stdout)")
            }
        }
        let history = try #require(try TrainingHistory.read(anchor: anchor))
        #expect(history.losses.count == 30 && history.architecture == "shallow" && history.stoppedBy == "epoch limit")
        let size = try Self.pngSize(anchor + ".report.png")
        #expect(size.width >= 1000 && size.height >= 700, "\(size)")
        #expect(try Self.pixels(in: anchor + ".report.png", rect: Self.lossArea, near: Self.lossLine) > 100, "the loss curve is drawn")
    }

    @Test func aTrainingHistoryReadsBackAsWritten() throws {
        let (directory, anchor) = try Self.bundle(parts: [])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try TrainingHistory.read(anchor: anchor) == nil)
        let history = TrainingHistory(losses: [319.1, .infinity, 96.8, 24.69], bestEpoch: 4, secondsPerEpoch: 0.21,
                                      architecture: "deep", stoppedBy: "early stopping")
        try history.write(anchor: anchor)
        let read = try #require(try TrainingHistory.read(anchor: anchor))
        #expect(read == history && read.bestLoss == 24.69)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains("partial") }.isEmpty)

        for (text, problem) in [
            ("not json", "not valid JSON"),
            ("{\"losses\": [], \"bestEpoch\": 1, \"secondsPerEpoch\": 1, \"architecture\": \"deep\", \"stoppedBy\": \"x\"}", "no epochs"),
            ("{\"losses\": [3, 2], \"bestEpoch\": 3, \"secondsPerEpoch\": 1, \"architecture\": \"deep\", \"stoppedBy\": \"x\"}",
             "bestEpoch 3 is not one of its 2 epochs"),
        ] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: TrainingHistory.path(anchor: anchor)))
            #expect(throws: ModelFileError.self) { try TrainingHistory.read(anchor: anchor) }
            do {
                _ = try TrainingHistory.read(anchor: anchor)
            } catch {
                #expect("\(error)".hasPrefix(anchor + ".training.json: is not a training history: \(problem)"), "\(error)")
            }
        }
        // One that could not be read back is not written.
        #expect(throws: ModelFileError.self) {
            try TrainingHistory(losses: [1], bestEpoch: 2, secondsPerEpoch: 0, architecture: "shallow", stoppedBy: "x").write(anchor: anchor)
        }
    }
}
