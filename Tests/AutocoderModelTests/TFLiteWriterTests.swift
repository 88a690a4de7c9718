// Files from the TensorFlow Lite writer: read back by our reader, laid out as
// TensorFlow 2.5's converter lays them out, and run by TensorFlow Lite's own
// interpreter (ai-edge-litert, in the virtual environment scripts/test makes)
// with the same results to 1e-5.

import AudioTestSupport
import AutocoderModel
import Foundation
import Testing

enum WriterFixture {
    static func layer(_ inputs: Int, _ outputs: Int, seed: Int) -> DenseLayer {
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> Float {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Float(Int(state % 2001) - 1000) / 1000 / Float(inputs).squareRoot()
        }
        return DenseLayer(weights: (0..<inputs * outputs).map { _ in next() }, bias: (0..<outputs).map { _ in next() * 0.1 },
                          inputs: inputs, outputs: outputs)
    }

    /// Widths input → … → output for the published shallow and deep decoders at a small size.
    static func chain(_ widths: [Int], seed: Int) -> [DenseLayer] {
        (0..<widths.count - 1).map { layer(widths[$0], widths[$0 + 1], seed: seed + $0) }
    }

    static let decoders: [(name: String, widths: [Int], outputIndex: Int)] = [
        ("shallow", [8, 24, 40], 7),
        ("deep", [8, 8, 10, 12, 16, 24, 32, 48, 40], 25),
    ]
}

@Suite struct TFLiteWriterTests {
    @Test(arguments: WriterFixture.decoders.map(\.name))
    func decoderRoundTripsAndMatchesTensorFlowLite(name: String) throws {
        let spec = WriterFixture.decoders.first { $0.name == name }!
        let layers = WriterFixture.chain(spec.widths, seed: 11)
        let bytes = TFLiteWriter.decoder(layers)
        let model = try TFLiteModel(bytes: bytes, path: "written.dec")
        #expect(model.signatureKey == nil && model.inputs == [0] && model.outputs == [spec.outputIndex], "TF 2.5 layout")
        let plan = try InferencePlan(model: model, path: "written.dec")

        // Our reader against the math itself.
        let latents: [[Float]] = (0..<6).map { r in (0..<8).map { Float(($0 * 7 + r * 3) % 11) / 10 - 0.3 } }
        for latent in latents {
            var x = latent
            for (k, layer) in layers.enumerated() {
                x = (0..<layer.outputs).map { o in
                    let v = (0..<layer.inputs).reduce(layer.bias[o]) { $0 + layer.weights[o * layer.inputs + $1] * x[$1] }
                    return k < layers.count - 1 ? max(v, 0) : 1 / (1 + exp(-v))
                }
            }
            #expect(maxAbsoluteDifference(plan.run(batch: 1, inputs: latent)[0], x) <= 1e-6)
        }

        // TensorFlow Lite's interpreter on the same file.
        let scratch = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try Data(bytes).write(to: URL(fileURLWithPath: scratch + "/model.dec"))
        let theirs = try LiteRT.run(scratch + "/model.dec", rows: latents, index: spec.outputIndex)
        for (latent, row) in zip(latents, theirs) {
            let ours = plan.run(batch: 1, inputs: latent)[0]
            let width = ours.count
            #expect(maxAbsoluteDifference(Array(row[0..<width]), ours) <= 1e-5, "graph output")
            #expect(maxAbsoluteDifference(Array(row[width..<2 * width]), ours) <= 1e-5, "tensor \(spec.outputIndex), as the published tools read it")
        }
    }

    @Test(arguments: [("shallow", [40, 24]), ("deep", [40, 48, 32, 24, 16, 12, 10, 8])])
    func encoderRoundTripsAndMatchesTensorFlowLite(name: String, widths: [Int]) throws {
        let hidden = WriterFixture.chain(widths, seed: 5)
        let zMean = WriterFixture.layer(widths.last!, 8, seed: 90)
        let zLogVar = WriterFixture.layer(widths.last!, 8, seed: 91)
        let bytes = TFLiteWriter.encoder(hidden: hidden, zMean: zMean, zLogVar: zLogVar)
        let model = try TFLiteModel(bytes: bytes, path: "written.enc")
        let h = hidden.count
        #expect(model.outputs == [12 + 3 * h, 8 + 3 * h, 13 + 3 * h], "z_mean, z_log_var, z at the converter's indices")
        let plan = try InferencePlan(model: model, path: "written.enc")

        let frames: [[Float]] = (0..<5).map { r in (0..<40).map { Float(($0 * 5 + r) % 13) / 13 } }
        let scratch = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try Data(bytes).write(to: URL(fileURLWithPath: scratch + "/model.enc"))
        let theirs = try LiteRT.run(scratch + "/model.enc", rows: frames, index: 12 + 3 * h)
        for (frame, row) in zip(frames, theirs) {
            let ours = plan.run(batch: 1, inputs: frame)
            // Subgraph order is Keras order: z_mean, z_log_var, z; then the hard-coded read.
            #expect(maxAbsoluteDifference(Array(row[0..<8]), ours[0]) <= 1e-5)
            #expect(maxAbsoluteDifference(Array(row[8..<16]), ours[1]) <= 1e-5)
            #expect(maxAbsoluteDifference(Array(row[16..<24]), ours[2]) <= 1e-5)
            #expect(maxAbsoluteDifference(Array(row[24..<32]), ours[0]) <= 1e-5)
            // z = z_mean + exp(0.5 z_log_var) · 1e-6.
            for d in 0..<8 { #expect(abs(ours[2][d] - (ours[0][d] + exp(0.5 * ours[1][d]) * 1e-6)) <= 1e-6) }
        }
    }
}
