// Truncated, corrupt and unsupported model files must give an error that names
// the file and the problem, never a crash and never silent garbage.

import AutocoderDSP
import Foundation
import Testing
import AutocoderModel

@Suite struct BadModelFileTests {
    static let goodPath = Fixtures.models + "/new-tiny-deep.dec"

    /// Loads `bytes` as a decoder plan; returns the error text, or nil when it loaded.
    static func loadError(_ bytes: [UInt8], path: String = "bad.dec") -> String? {
        do {
            let model = try TFLiteModel(bytes: bytes, path: path)
            _ = try InferencePlan(model: model, path: path)
            return nil
        } catch let error as ModelFileError {
            #expect(error.path == path)
            return error.description
        } catch {
            Issue.record("unexpected error type \(type(of: error)): \(error)")
            return "\(error)"
        }
    }

    @Test(arguments: [0, 3, 7, 8, 12, 64, 1000, 12000])
    func truncatedFileIsRefused(length: Int) throws {
        let bytes = Fixtures.bytes(Self.goodPath)
        let message = try #require(Self.loadError(Array(bytes.prefix(length))), "a \(length)-byte prefix loaded")
        #expect(message.hasPrefix("bad.dec: "))
        #expect(message.contains("truncated") || message.contains("not a TensorFlow Lite file"), "\(message)")
    }

    @Test func everyTruncationFailsOrLoadsTheSameModel() throws {
        // Cutting a file anywhere must either be detected or cut only unused padding.
        let bytes = Fixtures.bytes(Self.goodPath)
        let reference = try InferencePlan(model: TFLiteModel(bytes: bytes, path: "x"), path: "x")
        var refused = 0
        for length in stride(from: 0, to: bytes.count, by: 7) {
            if Self.loadError(Array(bytes.prefix(length))) != nil { refused += 1; continue }
            let plan = try InferencePlan(model: TFLiteModel(bytes: Array(bytes.prefix(length)), path: "x"), path: "x")
            #expect(Self.sameOutputs(plan, reference), "a \(length)-byte prefix loaded with different weights")
        }
        #expect(refused > bytes.count / 7 - 3)
    }

    static func sameOutputs(_ a: InferencePlan, _ b: InferencePlan) -> Bool {
        let input = (0..<a.inputCount).map { Float($0) / Float(a.inputCount) }
        return a.inputCount == b.inputCount && a.run(batch: 1, inputs: input) == b.run(batch: 1, inputs: input)
    }

    /// A file the fuzzer found: an operator whose output is tensor -1 ("none")
    /// used to index the tensors with it.
    @Test func anOperatorWithoutAnOutputTensorIsRefused() throws {
        let path = Fixtures.root + "/../Fuzz/corpus/tflite/operator-output-minus-one.tflite"
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let reason = try #require(Self.loadError(bytes))
        #expect(reason.contains("no output tensor"), "\(reason)")
    }

    @Test func wrongIdentifierIsNotAModel() throws {
        var bytes = Fixtures.bytes(Self.goodPath)
        bytes[4...7] = [0x50, 0x4B, 0x03, 0x04]
        let message = try #require(Self.loadError(bytes))
        #expect(message.contains("not a TensorFlow Lite file"))
    }

    @Test func shapeWhoseProductOverflowsIsRefused() throws {
        // Found by the fuzzer: dimensions each within bounds whose product overflows.
        let bytes = Fixtures.bytes(Fixtures.root + "/../Fuzz/corpus/tflite/shape-product-overflow.tflite")
        let message = try #require(Self.loadError(bytes))
        #expect(message.contains("too large to hold"), "\(message)")
    }

    @Test func rootOffsetOutsideTheFile() throws {
        var bytes = Fixtures.bytes(Self.goodPath)
        bytes[0...3] = [0xF0, 0xFF, 0xFF, 0x7F]
        let message = try #require(Self.loadError(bytes))
        #expect(message.contains("corrupt or truncated") && message.contains("outside"), "\(message)")
    }

    @Test func randomCorruptionNeverCrashes() throws {
        // Flip bytes at random positions: each file must load or fail cleanly.
        let original = Fixtures.bytes(Self.goodPath)
        var generator = SplitMix64(seed: 42)
        var refused = 0
        for _ in 0..<2000 {
            var bytes = original
            for _ in 0..<Int(generator.next() % 4 + 1) {
                bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            if Self.loadError(bytes) != nil { refused += 1 }
        }
        #expect(refused > 0)
    }

    @Test func unsupportedOperatorIsNamed() throws {
        let message = try #require(Self.loadError(Fixtures.bytes(Fixtures.models + "/unsupported-tanh.dec")))
        #expect(message.contains("TANH"), "\(message)")
    }

    @Test func unsupportedTensorTypeIsNamed() throws {
        let message = try #require(Self.loadError(Fixtures.bytes(Fixtures.models + "/unsupported-float16.dec")))
        #expect(message.contains("FLOAT16") || message.contains("DEQUANTIZE"), "\(message)")
    }

    @Test func missingFileAndDirectory() throws {
        #expect(throws: ModelFileError(path: "/nonexistent/x.dec", problem: "no such file")) {
            try TFLiteModel(contentsOf: "/nonexistent/x.dec")
        }
        let directory = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: ModelFileError(path: directory, problem: "is a directory, not a file")) {
            try TFLiteModel(contentsOf: directory)
        }
    }

    @Test func bundleWhoseDimensionsDisagreeIsRefused() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let anchor = directory + "/song.wav"
        try Fixtures.copy(["new-tiny-shallow.dec": ".dec", "new-tiny-shallow.enc": ".enc"], to: anchor)
        var metadata = try ModelMetadata(contentsOf: Fixtures.models + "/new-tiny-shallow.mm")

        metadata.inputDim = 512
        try metadata.text.write(toFile: anchor + ".mm", atomically: true, encoding: .utf8)
        #expect(throws: ModelFileError(path: anchor + ".dec", problem: "the decoder makes 40 values but the .mm file says input_dim 512")) {
            try ModelBundle(anchor: anchor, parts: [.decoder])
        }
        #expect(throws: ModelFileError(path: anchor + ".enc", problem: "the encoder takes 40 values but the .mm file says input_dim 512")) {
            try ModelBundle(anchor: anchor, parts: [.encoder])
        }

        metadata.inputDim = 40
        metadata.encodedDim = 4
        metadata.scaleMult = Array(metadata.scaleMult.prefix(4))
        metadata.scaleSubtract = Array(metadata.scaleSubtract.prefix(4))
        try metadata.text.write(toFile: anchor + ".mm", atomically: true, encoding: .utf8)
        #expect(throws: ModelFileError(path: anchor + ".dec", problem: "the decoder takes 8 latent values but the .mm file says encoded_dim 4")) {
            try ModelBundle(anchor: anchor, parts: [.decoder])
        }
    }

    @Test func encoderIsNotADecoder() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let anchor = directory + "/swap.wav"
        try Fixtures.copy(["old-tiny-shallow.enc": ".dec", "old-tiny-shallow.mm": ".mm"], to: anchor)
        #expect(throws: ModelFileError.self) { try ModelBundle(anchor: anchor, parts: [.decoder]) }
    }
}
