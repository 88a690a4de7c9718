// The `autocoder` command as a user runs it: info, decode and encode on real
// model files, and the errors it gives for bad input.

import Foundation
import Testing
import AutocoderModel

struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

enum CLI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let fixtures = root + "/Tests/Fixtures/models"

    /// The `autocoder` built alongside this test bundle.
    static var executable: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [beside, beside.deletingLastPathComponent()] {
            let candidate = directory.appendingPathComponent("autocoder").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return root + "/.build/debug/autocoder"
    }

    static func run(_ arguments: [String], stdin: String = "") throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        input.fileHandleForWriting.write(stdin.data(using: .utf8)!)
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    static func numbers(_ line: Substring) -> [Float] { line.split(separator: " ").map { Float($0)! } }
}

@Suite struct CLITests {
    @Test func infoDescribesTheBundledModel() throws {
        let result = try CLI.run(["info", CLI.root + "/models/drone.wav"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("architecture  shallow: input_dim 512, intermediate_dim 1000, encoded_dim 8"))
        #expect(result.stdout.contains("decoder       8 -> 512 values, 521512 parameters"))
        #expect(result.stdout.contains("outputs     z_mean (8), z_log_var (8), z (8)"))
        #expect(result.stdout.contains("FULLY_CONNECTED 8 -> 1000 RELU"))
    }

    @Test func infoOnAnOldFileSaysItHasNoSignature() throws {
        let result = try CLI.run(["info", CLI.fixtures + "/old-tiny-deep.dec"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("architecture  deep"))
        #expect(result.stdout.contains("no signature (outputs in Keras order)"))
    }

    @Test func decodePrintsWhatTensorFlowLiteComputed() throws {
        let name = "old-full-shallow"
        let latents = try NumPyArray(contentsOf: CLI.fixtures + "/\(name).latents.npy").floats
        let expected = try NumPyArray(contentsOf: CLI.fixtures + "/\(name).decoded.npy").floats
        for row in [2, 5] {
            let arguments = latents[row * 8..<row * 8 + 8].map { "\($0)" }
            let result = try CLI.run(["decode", CLI.fixtures + "/" + name] + arguments)
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n")
            #expect(lines.count == 1)
            let values = CLI.numbers(lines[0])
            #expect(values.count == 512)
            #expect(zip(values, expected[row * 512..<row * 512 + 512]).allSatisfy { abs($0 - $1) <= 1e-5 })
        }
    }

    @Test func decodeFillsMissingValuesWithZero() throws {
        let anchor = CLI.fixtures + "/new-tiny-shallow"
        let short = try CLI.run(["decode", anchor, "0.5"])
        let full = try CLI.run(["decode", anchor, "0.5", "0", "0", "0", "0", "0", "0", "0"])
        #expect(short.status == 0 && short.stdout == full.stdout)
    }

    @Test func encodeReadsFramesFromStandardInput() throws {
        let name = "new-full-shallow"
        let frames = try NumPyArray(contentsOf: CLI.fixtures + "/\(name).frames.npy").floats
        let encoded = try NumPyArray(contentsOf: CLI.fixtures + "/\(name).encoded.npy").values
        let metadata = try ModelMetadata(contentsOf: CLI.fixtures + "/\(name).mm")
        // Frames one per line, the first two with commas, as people paste them.
        let lines: [String] = (0..<frames.count / 512).map { (r: Int) -> String in
            let separator = r < 2 ? ", " : " "
            return frames[r * 512..<(r + 1) * 512].map { (v: Float) -> String in "\(v)" }.joined(separator: separator)
        }
        let text = lines.joined(separator: "\n")
        let result = try CLI.run(["encode", CLI.fixtures + "/" + name], stdin: text)
        #expect(result.status == 0, "\(result.stderr)")
        let output = result.stdout.split(separator: "\n")
        #expect(output.count == frames.count / 512)
        for (r, line) in output.enumerated() {
            let values = CLI.numbers(line)
            #expect(values.count == 8)
            for d in 0..<8 {
                #expect(abs(Double(values[d]) - encoded[r * 8 + d]) * min(1, metadata.scaleMult[d]) <= 1e-5)
            }
        }
    }

    @Test(arguments: [
        (["decode", "MODEL", "0.5", "1.5"], "v2 = 1.5 is outside [0, 1]"),
        (["decode", "MODEL", "nan"], "v1 is nan; latent values must be finite"),
        (["decode", "MODEL", "0", "0", "0", "0", "0", "0", "0", "0", "0"], "the model has 8 latent dimensions; got 9 values"),
        (["decode", "/nonexistent/song.wav", "0.5"], "/nonexistent/song.wav.mm: no such file"),
        (["info", "/nonexistent/song.wav"], "/nonexistent/song.wav.mm: no such file"),
        (["decode", "UNSUPPORTED", "0.5"], "unsupported operator TANH"),
    ])
    func badInputGetsAClearError(arguments: [String], message: String) throws {
        let directory = NSTemporaryDirectory() + "autocoder-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: CLI.fixtures + "/unsupported-tanh.dec", toPath: directory + "/tanh.wav.dec")
        try FileManager.default.copyItem(atPath: CLI.fixtures + "/new-tiny-shallow.mm", toPath: directory + "/tanh.wav.mm")
        let resolved = arguments.map { $0 == "MODEL" ? CLI.fixtures + "/new-tiny-shallow" : $0 == "UNSUPPORTED" ? directory + "/tanh.wav" : $0 }
        let result = try CLI.run(resolved)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "stderr was: \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func encodeRefusesAPartialFrame() throws {
        let result = try CLI.run(["encode", CLI.fixtures + "/new-full-shallow"], stdin: Array(repeating: "0.1", count: 100).joined(separator: " "))
        #expect(result.status != 0)
        #expect(result.stderr.contains("read 100 values from standard input; the model takes 512 per frame"))
        let word = try CLI.run(["encode", CLI.fixtures + "/new-full-shallow"], stdin: "0.1 0.2 oops")
        #expect(word.stderr.contains("value 3 ('oops') is not a finite number"))
    }
}
