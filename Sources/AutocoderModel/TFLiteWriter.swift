// Writes autocoder decoders and encoders as TensorFlow Lite files laid out as
// TensorFlow 2.5's converter lays them out (with TFLiteGraph): the same
// tensors in the same order, the same operators, no signature table; and the
// training notebook's `.fft.dec` as TensorFlow 2.8 lays it out. That layout matters: the published
// Python tools read outputs by hard-coded tensor index (decoder 7 shallow / 25
// deep, encoder z_mean 15 shallow), and TensorFlow's interpreter and the Max
// external load these files as they load the converter's.
// Values in, bytes out; any thread.

public struct DenseLayer: Sendable, Equatable {
    /// [outputs, inputs], row-major.
    public var weights: [Float]
    public var bias: [Float]
    public let inputs: Int
    public let outputs: Int

    public init(weights: [Float], bias: [Float], inputs: Int, outputs: Int) {
        precondition(weights.count == inputs * outputs && bias.count == outputs, "dense layer shapes disagree")
        self.weights = weights
        self.bias = bias
        self.inputs = inputs
        self.outputs = outputs
    }
}

extension DenseLayer {
    /// The FULLY_CONNECTED layers of a decoder, in order (as TFLiteWriter and
    /// the converters write them: weights and a bias), e.g. to build a
    /// `.fft.dec` over a `.dec`'s mel decoder.
    public static func layers(of model: TFLiteModel) -> [DenseLayer] {
        model.operators.filter { $0.name == "FULLY_CONNECTED" && $0.inputs.count == 3 }.compactMap { op in
            let shape = model.tensors[op.inputs[1]].shape
            guard let weights = model.tensors[op.inputs[1]].constant, op.inputs[2] >= 0, let bias = model.tensors[op.inputs[2]].constant,
                  shape.count == 2, weights.count == shape[0] * shape[1], bias.count == shape[0] else { return nil }
            return DenseLayer(weights: weights, bias: bias, inputs: shape[1], outputs: shape[0])
        }
    }
}

public enum TFLiteWriter {
    /// A decoder: `layers` (ReLU on all but the last) followed by a sigmoid.
    public static func decoder(_ layers: [DenseLayer]) -> [UInt8] {
        let count = layers.count
        var graph = TFLiteGraph()
        let input = graph.activation("z_sampling", shape: [layers[0].inputs])
        let biases = layers.enumerated().map { k, layer in
            graph.constant("decoder/dense_\(k + 1)/BiasAdd/ReadVariableOp/resource", shape: [layer.outputs], layer.bias)
        }
        let weights = layers.enumerated().map { k, layer in
            graph.constant("decoder/dense_\(k + 1)/MatMul", shape: [layer.outputs, layer.inputs], layer.weights)
        }
        let outputs = layers.enumerated().map { k, layer in
            let name = "decoder/dense_\(k + 1)"
            return graph.activation("\(name)/MatMul;\(name)/BiasAdd" + (k < count - 1 ? ";\(name)/Relu" : ""), shape: [layer.outputs])
        }
        let identity = graph.activation("Identity", shape: [layers[count - 1].outputs])
        for k in 0..<count {
            graph.add(.fullyConnected(relu: k < count - 1), inputs: [k == 0 ? input : outputs[k - 1], weights[k], biases[k]], outputs: [outputs[k]])
        }
        graph.add(.logistic, inputs: [outputs[count - 1]], outputs: [identity])
        return graph.bytes(inputs: [input], outputs: [identity])
    }

    /// An encoder: `hidden` ReLU layers, then the z_mean and z_log_var heads and
    /// z = z_mean + exp(0.5 z_log_var) · 1e-6, outputs in Keras order (z_mean,
    /// z_log_var, z). As the converter does, the 0.5 is folded into a second copy
    /// of the z_log_var head.
    public static func encoder(hidden: [DenseLayer], zMean: DenseLayer, zLogVar: DenseLayer) -> [UInt8] {
        let latent = zMean.outputs
        var graph = TFLiteGraph()
        let input = graph.activation("encoder_input", shape: [hidden[0].inputs])
        let halfWeights = graph.constant("encoder/z/mul", shape: [latent, zLogVar.inputs], zLogVar.weights.map { $0 * 0.5 })
        let halfBias = graph.constant("encoder/z/mul1", shape: [latent], zLogVar.bias.map { $0 * 0.5 })
        let hiddenBiases = hidden.enumerated().map { k, layer in
            graph.constant("encoder/dense_\(k + 1)/BiasAdd/ReadVariableOp/resource", shape: [layer.outputs], layer.bias)
        }
        let epsilon = graph.constant("encoder/z/mul_1/y", shape: [], [1e-6])
        let zLogVarBias = graph.constant("encoder/z_log_var/BiasAdd/ReadVariableOp/resource", shape: [latent], zLogVar.bias)
        let zMeanBias = graph.constant("encoder/z_mean/BiasAdd/ReadVariableOp/resource", shape: [latent], zMean.bias)
        let hiddenWeights = hidden.enumerated().map { k, layer in
            graph.constant("encoder/dense_\(k + 1)/MatMul", shape: [layer.outputs, layer.inputs], layer.weights)
        }
        let zLogVarWeights = graph.constant("encoder/z_log_var/MatMul", shape: [latent, zLogVar.inputs], zLogVar.weights)
        let zMeanWeights = graph.constant("encoder/z_mean/MatMul", shape: [latent, zMean.inputs], zMean.weights)
        let hiddenOutputs = hidden.enumerated().map { k, layer in
            let name = "encoder/dense_\(k + 1)"
            return graph.activation("\(name)/MatMul;\(name)/BiasAdd;\(name)/Relu", shape: [layer.outputs])
        }
        let zLogVarOut = graph.activation("Identity_1", shape: [latent])
        let halfLogVar = graph.activation("encoder/z_log_var/MatMul;encoder/z_log_var/BiasAdd;encoder/z/mul", shape: [latent])
        let deviation = graph.activation("encoder/z/Exp", shape: [latent])
        let noise = graph.activation("encoder/z/mul_1", shape: [latent])
        let zMeanOut = graph.activation("Identity", shape: [latent])
        let z = graph.activation("Identity_2", shape: [latent])

        for k in hidden.indices {
            graph.add(.fullyConnected(relu: true), inputs: [k == 0 ? input : hiddenOutputs[k - 1], hiddenWeights[k], hiddenBiases[k]],
                      outputs: [hiddenOutputs[k]])
        }
        let fed = hiddenOutputs.last ?? input
        graph.add(.fullyConnected(relu: false), inputs: [fed, zLogVarWeights, zLogVarBias], outputs: [zLogVarOut])
        graph.add(.fullyConnected(relu: false), inputs: [fed, halfWeights, halfBias], outputs: [halfLogVar])
        graph.add(.exp, inputs: [halfLogVar], outputs: [deviation])
        graph.add(.mul, inputs: [deviation, epsilon], outputs: [noise])
        graph.add(.fullyConnected(relu: false), inputs: [fed, zMeanWeights, zMeanBias], outputs: [zMeanOut])
        graph.add(.add, inputs: [zMeanOut, noise], outputs: [z])
        return graph.bytes(inputs: [input], outputs: [zMeanOut, zLogVarOut, z])
    }

    /// The training notebook's `.fft.dec` as TensorFlow 2.8's converter writes
    /// it: the decoder of `layers` and its sigmoid make D mel values, then
    /// Dot(axes=(1,1)) with expand_dims(M, 0) — EXPAND_DIMS, BATCH_MATMUL by
    /// the [1, D, B] constant, RESHAPE to [-1, B] — makes B linear bins.
    /// `matrix` is M, D x B, row-major.
    public static func linearSpectrumDecoder(_ layers: [DenseLayer], matrix: [Float]) -> [UInt8] {
        var graph = TFLiteGraph()
        let (input, mel) = melDecoder(layers, into: &graph)
        let bands = layers.last!.outputs, bins = matrix.count / bands
        precondition(bins * bands == matrix.count, "the matrix is not \(bands) x B")
        let axis = graph.constant("decoder/dot/ExpandDims/dim", shape: [], integers: [1])
        let row = graph.activation("decoder/dot/ExpandDims", shape: [1, bands])
        graph.add(.expandDims, inputs: [mel, axis], outputs: [row])
        let constant = graph.constant("decoder/dot/ExpandDims_1", shape: [1, bands, bins], matrix)
        let product = graph.activation("decoder/dot/MatMul", shape: [1, bins])
        graph.add(.batchMatMul(adjointX: false, adjointY: false), inputs: [row, constant], outputs: [product])
        let shape = graph.constant("decoder/dot/Squeeze/shape", shape: [2], integers: [-1, bins])
        let spectrum = graph.activation("Identity", shape: [bins])
        graph.add(.reshape(newShape: nil), inputs: [product, shape], outputs: [spectrum])
        return graph.bytes(inputs: [input], outputs: [spectrum])
    }

    /// The mel decoder of a `.fft.dec` in `graph`: its input and its sigmoid's output.
    public static func melDecoder(_ layers: [DenseLayer], into graph: inout TFLiteGraph) -> (input: Int, mel: Int) {
        let input = graph.activation("input_2", shape: [layers[0].inputs])
        var x = input
        for (k, layer) in layers.enumerated() {
            let weights = graph.constant("decoder/dense_\(k + 1)/MatMul", shape: [layer.outputs, layer.inputs], layer.weights)
            let bias = graph.constant("decoder/dense_\(k + 1)/BiasAdd", shape: [layer.outputs], layer.bias)
            let y = graph.activation("decoder/dense_\(k + 1)/\(k < layers.count - 1 ? "Relu" : "BiasAdd")", shape: [layer.outputs])
            graph.add(.fullyConnected(relu: k < layers.count - 1), inputs: [x, weights, bias], outputs: [y])
            x = y
        }
        let mel = graph.activation("decoder/dense_\(layers.count)/Sigmoid", shape: [layers.last!.outputs])
        graph.add(.logistic, inputs: [x], outputs: [mel])
        return (input, mel)
    }
}
