// The training notebook's `.fft.dec` (a mel decoder, then Dot with the
// inversion matrix), as converters lay it out, built here over the bundled
// model's mel decoder: it runs as the math says and as TensorFlow Lite's own
// interpreter runs it, its matrix is recognised (or not), and whatever a plan
// cannot run without moving values across the batch is refused by name.

import AudioTestSupport
import AutocoderDSP
import AutocoderModel
import Foundation
import Testing

@Suite struct LinearSpectrumModelTests {
    static let bundled = Fixtures.root + "/../../models/drone.wav"
    static let metadata = try! ModelMetadata(contentsOf: bundled + ".mm")
    static let melBundle = try! ModelBundle(anchor: bundled, parts: [.decoder])
    /// The bundled `.dec`, with scratch memory of its own: test cases run side by side.
    static var melDecoder: Decoder { Decoder(sharing: melBundle.decoder!) }
    static let layers = DenseLayer.layers(of: try! TFLiteModel(contentsOf: bundled + ".dec"))
    static let standard = NotebookModels.inversionMatrix()
    static let latents: [[Float]] = {
        let corners: [[Float]] = [[Float](repeating: 0, count: 8), [Float](repeating: 1, count: 8)]
        let inside: [[Float]] = (0..<4).map { (r: Int) -> [Float] in (0..<8).map { (d: Int) -> Float in Float((d * 5 + r * 3) % 9) / 8 } }
        return corners + inside
    }()

    static func decoder(_ bytes: [UInt8], path: String = "model.fft.dec") throws -> Decoder {
        let plan = try InferencePlan(model: TFLiteModel(bytes: bytes, path: path), path: path)
        return try Decoder(plan: plan, metadata: metadata, path: path, linearSpectrum: true)
    }

    /// The bound decode must meet against a reference.
    static func withinBound(_ ours: [Float], _ reference: [Float]) -> Bool {
        let bound = 1e-4 * (reference.map(abs).max() ?? 0) + 1e-7
        return maxAbsoluteDifference(ours, reference) <= bound
    }

    /// mel × M in double precision.
    static func product(_ mel: [Float], _ matrix: [Float]) -> [Float] {
        let bins = matrix.count / mel.count
        var out = [Double](repeating: 0, count: bins)
        for (j, m) in mel.enumerated() where m != 0 {
            for k in 0..<bins { out[k] += Double(m) * Double(matrix[j * bins + k]) }
        }
        return out.map { Float($0) }
    }

    @Test(arguments: NotebookModels.Layout.allCases)
    func decodesAsTheMathAndTensorFlowLiteSay(layout: NotebookModels.Layout) throws {
        let bytes = NotebookModels.fftDecoder(Self.layers, matrix: Self.standard, layout: layout)
        let decoder = try Self.decoder(bytes)
        #expect(decoder.outputCount == 4096 && decoder.layout == .linear(bins: 4096))
        for latent in Self.latents {
            let ours = decoder.decode(latent)
            #expect(Self.withinBound(ours, Self.product(Self.melDecoder.decode(latent), Self.standard)), "\(layout) at \(latent)")
        }

        // Rows of a batch are independent (the shape steps never mix them).
        let batch = decoder.decode(batch: Self.latents.flatMap { $0 })
        for (r, latent) in Self.latents.enumerated() {
            #expect(maxAbsoluteDifference(Array(batch[r * 4096..<(r + 1) * 4096]), decoder.decode(latent)) <= 1e-5)
        }

        // TensorFlow Lite's interpreter on the same file, given the model's own inputs.
        let scratch = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try Data(bytes).write(to: URL(fileURLWithPath: scratch + "/model.fft.dec"))
        let model = try TFLiteModel(bytes: bytes, path: "model.fft.dec")
        let inputs: [[Float]] = Self.latents.map { (v: [Float]) -> [Float] in
            (0..<8).map { (d: Int) -> Float in Float(Double(v[d]) * Self.metadata.scaleMult[d] + Self.metadata.scaleSubtract[d]) }
        }
        let theirs = try LiteRT.run(scratch + "/model.fft.dec", rows: inputs, index: model.outputs[0])
        for (input, row) in zip(inputs, theirs) {
            #expect(Self.withinBound(decoder.plan.run(batch: 1, inputs: input)[0], Array(row[0..<4096])), "\(layout) against the interpreter")
        }
    }

    @Test(arguments: NotebookModels.Layout.allCases)
    func theStandardMatrixPlaysFromItsMelValues(layout: NotebookModels.Layout) throws {
        let decoder = try Self.decoder(NotebookModels.fftDecoder(Self.layers, matrix: Self.standard, layout: layout))
        let source = SynthesisSource(decoder)
        #expect(source.path == .standardInversion(bins: 4096, bands: 512, fftSize: 8192))
        #expect(source.decoder.layout == .mel(bands: 512))
        #expect(source.summary == "linear spectrum 4096 bins: standard inversion matrix at 8192 → plays from its 512 mel values")
        for latent in Self.latents {
            #expect(maxAbsoluteDifference(source.decoder.decode(latent), Self.melDecoder.decode(latent)) <= 1e-6, "the mel part is the .dec")
        }
        #expect(source.decoder.plan.parameterCount == Self.melDecoder.plan.parameterCount)
        #expect(source.decoder.plan.denseLayerCount == 2 && decoder.plan.denseLayerCount == 2, "shallow, with or without the matrix")
        #expect(decoder.plan.layerSummaries.contains { $0.hasPrefix(layout == .fullyConnected ? "FULLY_CONNECTED 512 -> 4096" : "BATCH_MATMUL 512 -> 4096") })
    }

    @Test func anotherInversionMatrixPlaysFromItsMelValuesToo() throws {
        // The inversion matrix at 2048 (1024 bins): the mel values times the standard filterbank at that size.
        let decoder = try Self.decoder(NotebookModels.fftDecoder(Self.layers, matrix: NotebookModels.inversionMatrix(fftSize: 2048)))
        #expect(SynthesisSource(decoder).path == .standardInversion(bins: 1024, bands: 512, fftSize: 2048))
    }

    @Test func aMatrixThatIsNoFilterbankMapsByFrequency() throws {
        // The inversion matrix with every weight squared: curved triangles, no filterbank of ours.
        let decoder = try Self.decoder(NotebookModels.fftDecoder(Self.layers, matrix: Self.standard.map { $0 * $0 }))
        let source = SynthesisSource(decoder)
        #expect(source.path == .linearBins(bins: 4096))
        #expect(source.decoder === decoder && source.decoder.layout == .linear(bins: 4096))
        #expect(source.summary.contains("maps 4096 bins by frequency"))

        // One weight off by more than the tolerance is enough.
        var nudged = Self.standard
        nudged[300 * 4096 + 2000] += 0.01
        #expect(SynthesisSource(try Self.decoder(NotebookModels.fftDecoder(Self.layers, matrix: nudged))).path == .linearBins(bins: 4096))
    }

    @Test(arguments: [(128, "CUMSUM"), (36, "GATHER"), (28, "TANH")])
    func anUnsupportedLastOperatorIsRefusedByName(code: Int, name: String) throws {
        var graph = TFLiteGraph()
        let (input, mel) = TFLiteWriter.melDecoder(Self.layers, into: &graph)
        let axis = graph.constant("axis", shape: [], integers: [1])
        let out = graph.activation("Identity", shape: [512])
        graph.add(.builtin(code), inputs: code == 28 ? [mel] : [mel, axis], outputs: [out])
        let message = try #require(Self.refusal(graph.bytes(inputs: [input], outputs: [out])))
        #expect(message.contains("unsupported operator \(name) (operator #3)"), "\(message)")
        #expect(message.contains("supported: FULLY_CONNECTED, BATCH_MATMUL (by a constant)"), "\(message)")
    }

    @Test func aTruncatedFileIsRefusedOrLosesNothing() throws {
        // Cut anywhere, the file is refused as truncated, or what was cut is
        // only what the plan never reads (the trailing metadata): then it decodes the same.
        let layers = WriterFixture.chain([8, 16, 32], seed: 3)
        let bytes = TFLiteWriter.linearSpectrumDecoder(layers, matrix: NotebookModels.inversionMatrix(bands: 32, fftSize: 128))
        let full = try InferencePlan(model: TFLiteModel(bytes: bytes, path: "x"), path: "x")
        let input: [Float] = (0..<8).map { Float($0) / 8 }
        var refused = 0
        for length in stride(from: 0, to: bytes.count, by: 61) {
            let prefix = Array(bytes.prefix(length))
            if let message = Self.refusal(prefix) {
                refused += 1
                #expect(message.contains("truncated") || message.contains("not a TensorFlow Lite file"), "\(message)")
            } else {
                let plan = try InferencePlan(model: TFLiteModel(bytes: prefix, path: "x"), path: "x")
                #expect(plan.run(batch: 1, inputs: input) == full.run(batch: 1, inputs: input), "a \(length)-byte prefix loaded another model")
            }
        }
        #expect(refused >= bytes.count / 61 - 2, "\(refused) of \(bytes.count / 61 + 1) prefixes refused")
    }

    /// The error a graph is refused with, or nil when it builds.
    static func refusal(_ bytes: [UInt8]) -> String? {
        do {
            _ = try InferencePlan(model: TFLiteModel(bytes: bytes, path: "bad.fft.dec"), path: "bad.fft.dec")
            return nil
        } catch {
            #expect(error is ModelFileError)
            return "\(error)"
        }
    }

    /// A graph of a 4-value input, an operator under test and its output.
    static func single(_ build: (inout TFLiteGraph, Int) -> Int) -> [UInt8] {
        var graph = TFLiteGraph()
        let input = graph.activation("input", shape: [4])
        let out = build(&graph, input)
        return graph.bytes(inputs: [input], outputs: [out])
    }

    @Test func whatWouldMoveValuesAcrossTheBatchIsRefused() throws {
        let cases: [(String, [UInt8])] = [
            ("puts a dimension before the batch", Self.single { g, x in
                let out = g.activation("out", shape: [1, 4])
                g.add(.expandDims, inputs: [x, g.constant("axis", shape: [], integers: [0])], outputs: [out])
                return out
            }),
            ("does not keep the batch as the first dimension", Self.single { g, x in
                let out = g.intermediate("out", shape: [4])
                g.add(.reshape(newShape: nil), inputs: [x, g.constant("shape", shape: [1], integers: [-1])], outputs: [out])
                return out
            }),
            ("reorders the values of an activation", Self.single { g, x in
                let grid = g.activation("grid", shape: [2, 2])
                g.add(.reshape(newShape: [-1, 2, 2]), inputs: [x], outputs: [grid])
                let out = g.activation("out", shape: [2, 2])
                g.add(.transpose, inputs: [grid, g.constant("perm", shape: [3], integers: [0, 2, 1])], outputs: [out])
                return out
            }),
            ("removes the batch dimension", Self.single { g, x in
                let out = g.intermediate("out", shape: [4])
                g.add(.squeeze(dimensions: [0]), inputs: [x], outputs: [out])
                return out
            }),
            ("multiplies two activations", Self.single { g, x in
                let row = g.activation("row", shape: [1, 4])
                g.add(.expandDims, inputs: [x, g.constant("axis", shape: [], integers: [1])], outputs: [row])
                let out = g.activation("out", shape: [1, 1])
                g.add(.batchMatMul(adjointX: false, adjointY: true), inputs: [row, row], outputs: [out])
                return out
            }),
            ("that is not one row per batch row", Self.single { g, x in
                let grid = g.activation("grid", shape: [2, 2])
                g.add(.reshape(newShape: [-1, 2, 2]), inputs: [x], outputs: [grid])
                let out = g.activation("out", shape: [2, 3])
                g.add(.batchMatMul(adjointX: false, adjointY: false), inputs: [grid, g.constant("m", shape: [2, 3], [Float](repeating: 1, count: 6))], outputs: [out])
                return out
            }),
            ("multiplies 4 values by a constant 'm' of shape [3, 5]", Self.single { g, x in
                let out = g.activation("out", shape: [5])
                g.add(.batchMatMul(adjointX: false, adjointY: false), inputs: [x, g.constant("m", shape: [3, 5], [Float](repeating: 1, count: 15))], outputs: [out])
                return out
            }),
            ("needs a constant int32 shape", Self.single { g, x in
                let out = g.activation("out", shape: [4])
                g.add(.reshape(newShape: nil), inputs: [x, g.activation("computed", shape: [2])], outputs: [out])
                return out
            }),
            ("has axis 3 for a result of rank 3", Self.single { g, x in
                let out = g.activation("out", shape: [4, 1])
                g.add(.expandDims, inputs: [x, g.constant("axis", shape: [1], integers: [3])], outputs: [out])
                return out
            }),
            ("makes shape [-1, 1, 4] but its output 'out' has shape [1, 4, 1]", Self.single { g, x in
                let out = g.activation("out", shape: [4, 1])
                g.add(.expandDims, inputs: [x, g.constant("axis", shape: [1], integers: [1])], outputs: [out])
                return out
            }),
        ]
        for (reason, bytes) in cases {
            let message = try #require(Self.refusal(bytes), "\(reason): built")
            #expect(message.contains(reason), "\(message)")
            #expect(message.hasPrefix("bad.fft.dec: operator #"), "\(message)")
        }
    }

    @Test func shapeStepsThatKeepTheValuesInOrderBuildAndRun() throws {
        // EXPAND_DIMS at the end, a TRANSPOSE that moves a dimension of size 1,
        // RESHAPE by its options, SQUEEZE of every unit dimension: the row comes back as it went in.
        let bytes = Self.single { g, x in
            let a = g.activation("a", shape: [4, 1])
            g.add(.expandDims, inputs: [x, g.constant("axis", shape: [], integers: [-1])], outputs: [a])
            let b = g.activation("b", shape: [1, 4])
            g.add(.transpose, inputs: [a, g.constant("perm", shape: [3], integers: [0, 2, 1])], outputs: [b])
            let c = g.activation("c", shape: [2, 2, 1])
            g.add(.reshape(newShape: [1, 2, 2, -1]), inputs: [b], outputs: [c])
            let d = g.activation("d", shape: [2, 2])
            g.add(.squeeze(dimensions: []), inputs: [c], outputs: [d])
            let out = g.activation("out", shape: [4])
            g.add(.reshape(newShape: [-1, 4]), inputs: [d], outputs: [out])
            return out
        }
        let plan = try InferencePlan(model: TFLiteModel(bytes: bytes, path: "x"), path: "x")
        #expect(plan.run(batch: 2, inputs: [1, 2, 3, 4, 5, 6, 7, 8])[0] == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(plan.layerSummaries.allSatisfy { $0.hasSuffix("(shape only)") }, "\(plan.layerSummaries)")
        #expect(plan.trailingLinearMap == nil)
    }
}
