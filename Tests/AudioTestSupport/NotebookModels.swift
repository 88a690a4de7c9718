// `.fft.dec` files built the way the training notebook builds them (a mel
// decoder, then Dot(axes=(1,1)) with expand_dims(M, 0)) and laid out the way
// converters write them, for tests that need such a model before (or beside)
// the fixtures recorded with TensorFlow. The mel decoder can be the bundled
// model's own, so the files sound like a real model.

import AutocoderDSP
import AutocoderModel
import Foundation

public enum NotebookModels {
    /// How a converter writes the Dot against the constant.
    public enum Layout: String, CaseIterable, Sendable {
        /// TensorFlow 2.8: EXPAND_DIMS, BATCH_MATMUL by [1, D, B], RESHAPE to [-1, B].
        case batchMatMul
        /// The constant stored [1, B, D] and multiplied with adj_y; a SQUEEZE at the end.
        case adjointSqueeze
        /// EXPAND_DIMS, a TRANSPOSE of the [D, B] constant folded into FULLY_CONNECTED weights, RESHAPE.
        case fullyConnected
    }

    /// SPEC §3's inversion matrix, `bands` x fftSize/2, row-major.
    public static func inversionMatrix(bands: Int = 512, fftSize: Int = 8192) -> [Float] {
        let bank = MelFilterbank(filterCount: bands, fftSize: fftSize)
        return (0..<bands).flatMap { band in (0..<fftSize / 2).map { bank.inversionWeight(filter: band, bin: $0) } }
    }

    /// The `.fft.dec`: `layers` (ReLU on all but the last) and a sigmoid make D
    /// mel values, dotted with `matrix` (D x B, row-major) into B linear bins.
    public static func fftDecoder(_ layers: [DenseLayer], matrix: [Float], layout: Layout = .batchMatMul) -> [UInt8] {
        if layout == .batchMatMul { return TFLiteWriter.linearSpectrumDecoder(layers, matrix: matrix) }
        let bands = layers.last!.outputs
        let bins = matrix.count / bands
        var graph = TFLiteGraph()
        let (input, mel) = TFLiteWriter.melDecoder(layers, into: &graph)
        let axis = graph.constant("decoder/dot/ExpandDims/dim", shape: [], integers: [-2])
        let row = graph.activation("decoder/dot/ExpandDims", shape: [1, bands])
        graph.add(.expandDims, inputs: [mel, axis], outputs: [row])
        let product = graph.activation("decoder/dot/MatMul", shape: [1, bins])
        let spectrum = graph.activation("Identity", shape: [bins])
        if layout == .adjointSqueeze {
            let transposed = (0..<bins).flatMap { bin in (0..<bands).map { matrix[$0 * bins + bin] } }
            let constant = graph.constant("decoder/dot/ExpandDims_1", shape: [1, bins, bands], transposed)
            graph.add(.batchMatMul(adjointX: false, adjointY: true), inputs: [row, constant], outputs: [product])
            graph.add(.squeeze(dimensions: [1]), inputs: [product], outputs: [spectrum])
        } else {
            let constant = graph.constant("decoder/dot/Const", shape: [bands, bins], matrix)
            let permutation = graph.constant("decoder/dot/perm", shape: [2], integers: [1, 0])
            let weights = graph.intermediate("decoder/dot/Transpose", shape: [bins, bands])
            graph.add(.transpose, inputs: [constant, permutation], outputs: [weights])
            graph.add(.fullyConnected(relu: false), inputs: [row, weights, -1], outputs: [product])
            graph.add(.reshape(newShape: [-1, bins]), inputs: [product], outputs: [spectrum])
        }
        return graph.bytes(inputs: [input], outputs: [spectrum])
    }

    /// Writes `anchor.fft.dec` (the mel decoder of `source`'s `.dec` dotted with
    /// `matrix`, by default the standard one at 8192) and a copy of its `.mm`.
    public static func writeBundle(anchor: String, from source: String, matrix: [Float]? = nil, layout: Layout = .batchMatMul) throws {
        let layers = DenseLayer.layers(of: try TFLiteModel(contentsOf: source + ".dec"))
        let bytes = fftDecoder(layers, matrix: matrix ?? inversionMatrix(bands: layers.last!.outputs), layout: layout)
        try Data(bytes).write(to: URL(fileURLWithPath: anchor + ".fft.dec"))
        try? FileManager.default.removeItem(atPath: anchor + ".mm")
        try FileManager.default.copyItem(atPath: source + ".mm", toPath: anchor + ".mm")
    }
}
