// Writes autocoder decoders and encoders as TensorFlow Lite files laid out as
// TensorFlow 2.5's converter lays them out: the same tensors in the same order,
// the same operators, no signature table. That layout matters: the published
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

public enum TFLiteWriter {
    private enum Code {
        static let add = 0, fullyConnected = 9, logistic = 14, mul = 18, exp = 47
    }

    private enum Options {
        static let none: UInt8 = 0, fullyConnected: UInt8 = 8, add: UInt8 = 11, mul: UInt8 = 21, exp: UInt8 = 33
    }

    private struct Tensor {
        let name: String
        let shape: [Int]
        /// Constants carry data; activations have a batch dimension (-1 in the signature).
        let data: [Float]?
    }

    private struct Operator {
        let opcode: Int
        let inputs: [Int]
        let output: Int
        let optionsType: UInt8
        let options: FlatNode?
    }

    /// A decoder: `layers` (ReLU on all but the last) followed by a sigmoid.
    public static func decoder(_ layers: [DenseLayer]) -> [UInt8] {
        let count = layers.count
        var tensors = [Tensor(name: "z_sampling", shape: [layers[0].inputs], data: nil)]
        for (k, layer) in layers.enumerated() {
            tensors.append(Tensor(name: "decoder/dense_\(k + 1)/BiasAdd/ReadVariableOp/resource", shape: [layer.outputs], data: layer.bias))
        }
        for (k, layer) in layers.enumerated() {
            tensors.append(Tensor(name: "decoder/dense_\(k + 1)/MatMul", shape: [layer.outputs, layer.inputs], data: layer.weights))
        }
        for (k, layer) in layers.enumerated() {
            let name = "decoder/dense_\(k + 1)"
            tensors.append(Tensor(name: "\(name)/MatMul;\(name)/BiasAdd" + (k < count - 1 ? ";\(name)/Relu" : ""), shape: [layer.outputs], data: nil))
        }
        tensors.append(Tensor(name: "Identity", shape: [layers[count - 1].outputs], data: nil))

        var operators: [Operator] = []
        for k in 0..<count {
            operators.append(dense(input: k == 0 ? 0 : 2 * count + k, weights: count + 1 + k, bias: 1 + k,
                                   output: 2 * count + 1 + k, relu: k < count - 1))
        }
        operators.append(Operator(opcode: 1, inputs: [3 * count], output: 3 * count + 1, optionsType: Options.none, options: nil))
        return model(tensors: tensors, operators: operators, codes: [Code.fullyConnected, Code.logistic],
                     inputs: [0], outputs: [3 * count + 1])
    }

    /// An encoder: `hidden` ReLU layers, then the z_mean and z_log_var heads and
    /// z = z_mean + exp(0.5 z_log_var) · 1e-6, outputs in Keras order (z_mean,
    /// z_log_var, z). As the converter does, the 0.5 is folded into a second copy
    /// of the z_log_var head.
    public static func encoder(hidden: [DenseLayer], zMean: DenseLayer, zLogVar: DenseLayer) -> [UInt8] {
        let h = hidden.count
        let latent = zMean.outputs
        var tensors = [Tensor(name: "encoder_input", shape: [hidden[0].inputs], data: nil)]
        tensors.append(Tensor(name: "encoder/z/mul", shape: [latent, zLogVar.inputs], data: zLogVar.weights.map { $0 * 0.5 }))
        tensors.append(Tensor(name: "encoder/z/mul1", shape: [latent], data: zLogVar.bias.map { $0 * 0.5 }))
        for (k, layer) in hidden.enumerated() {
            tensors.append(Tensor(name: "encoder/dense_\(k + 1)/BiasAdd/ReadVariableOp/resource", shape: [layer.outputs], data: layer.bias))
        }
        tensors.append(Tensor(name: "encoder/z/mul_1/y", shape: [], data: [1e-6]))
        tensors.append(Tensor(name: "encoder/z_log_var/BiasAdd/ReadVariableOp/resource", shape: [latent], data: zLogVar.bias))
        tensors.append(Tensor(name: "encoder/z_mean/BiasAdd/ReadVariableOp/resource", shape: [latent], data: zMean.bias))
        for (k, layer) in hidden.enumerated() {
            tensors.append(Tensor(name: "encoder/dense_\(k + 1)/MatMul", shape: [layer.outputs, layer.inputs], data: layer.weights))
        }
        tensors.append(Tensor(name: "encoder/z_log_var/MatMul", shape: [latent, zLogVar.inputs], data: zLogVar.weights))
        tensors.append(Tensor(name: "encoder/z_mean/MatMul", shape: [latent, zMean.inputs], data: zMean.weights))
        for (k, layer) in hidden.enumerated() {
            let name = "encoder/dense_\(k + 1)"
            tensors.append(Tensor(name: "\(name)/MatMul;\(name)/BiasAdd;\(name)/Relu", shape: [layer.outputs], data: nil))
        }
        let zLogVarOut = tensors.count
        tensors.append(Tensor(name: "Identity_1", shape: [latent], data: nil))
        tensors.append(Tensor(name: "encoder/z_log_var/MatMul;encoder/z_log_var/BiasAdd;encoder/z/mul", shape: [latent], data: nil))
        tensors.append(Tensor(name: "encoder/z/Exp", shape: [latent], data: nil))
        tensors.append(Tensor(name: "encoder/z/mul_1", shape: [latent], data: nil))
        tensors.append(Tensor(name: "Identity", shape: [latent], data: nil))
        tensors.append(Tensor(name: "Identity_2", shape: [latent], data: nil))

        let hiddenBias = 3, scalar = 3 + h, hiddenWeights = 6 + h, hiddenOut = 8 + 2 * h, last = 7 + 3 * h
        var operators: [Operator] = []
        for k in 0..<h {
            operators.append(dense(input: k == 0 ? 0 : hiddenOut + k - 1, weights: hiddenWeights + k, bias: hiddenBias + k,
                                   output: hiddenOut + k, relu: true))
        }
        let fed = h == 0 ? 0 : last
        operators.append(dense(input: fed, weights: 6 + 2 * h, bias: 4 + h, output: zLogVarOut, relu: false))
        operators.append(dense(input: fed, weights: 1, bias: 2, output: zLogVarOut + 1, relu: false))
        operators.append(Operator(opcode: 1, inputs: [zLogVarOut + 1], output: zLogVarOut + 2, optionsType: Options.exp, options: .table([])))
        operators.append(Operator(opcode: 2, inputs: [zLogVarOut + 2, scalar], output: zLogVarOut + 3, optionsType: Options.mul,
                                  options: .table([(0, .int8(0))])))
        operators.append(dense(input: fed, weights: 7 + 2 * h, bias: 5 + h, output: zLogVarOut + 4, relu: false))
        operators.append(Operator(opcode: 3, inputs: [zLogVarOut + 4, zLogVarOut + 3], output: zLogVarOut + 5, optionsType: Options.add,
                                  options: .table([(0, .int8(0))])))
        return model(tensors: tensors, operators: operators, codes: [Code.fullyConnected, Code.exp, Code.mul, Code.add],
                     inputs: [0], outputs: [zLogVarOut + 4, zLogVarOut, zLogVarOut + 5])
    }

    private static func dense(input: Int, weights: Int, bias: Int, output: Int, relu: Bool) -> Operator {
        Operator(opcode: 0, inputs: [input, weights, bias], output: output, optionsType: Options.fullyConnected,
                 options: .table([(0, .int8(relu ? 1 : 0)), (1, .int8(0)), (2, .uint8(0))]))
    }

    private static func model(tensors: [Tensor], operators: [Operator], codes: [Int], inputs: [Int], outputs: [Int]) -> [UInt8] {
        let tensorTables: [FlatNode] = tensors.enumerated().map { index, tensor in
            var fields: [(id: Int, field: FlatNode.Field)] = [
                (0, .child(.int32s(tensor.data == nil ? [1] + tensor.shape : tensor.shape))),
                (1, .int8(0)),
                (2, .uint32(UInt32(index + 1))),
                (3, .child(.string(tensor.name))),
                (4, .child(.table([]))),
            ]
            if tensor.data == nil { fields.append((7, .child(.int32s([-1] + tensor.shape)))) }
            return .table(fields)
        }
        let operatorTables: [FlatNode] = operators.map { op in
            var fields: [(id: Int, field: FlatNode.Field)] = [
                (0, .uint32(UInt32(op.opcode))),
                (1, .child(.int32s(op.inputs))),
                (2, .child(.int32s([op.output]))),
            ]
            if let options = op.options {
                fields.append((3, .uint8(op.optionsType)))
                fields.append((4, .child(options)))
            }
            return .table(fields)
        }
        let buffers: [FlatNode] = [.table([])] + tensors.map { tensor in
            guard let data = tensor.data else { return .table([]) }
            var bytes = [UInt8]()
            bytes.reserveCapacity(data.count * 4)
            for value in data { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
            return .table([(0, .child(.bytes(bytes)))])
        } + [.table([(0, .child(.bytes(Array("1.14.0".utf8) + [UInt8](repeating: 0, count: 10))))])]
        let subgraph: FlatNode = .table([
            (0, .child(.tables(tensorTables))),
            (1, .child(.int32s(inputs))),
            (2, .child(.int32s(outputs))),
            (3, .child(.tables(operatorTables))),
            (4, .child(.string("main"))),
        ])
        let root: FlatNode = .table([
            (0, .uint32(3)),
            (1, .child(.tables(codes.map { code in
                .table([(0, .int8(Int8(min(code, 127)))), (2, .int32(1)), (3, .int32(Int32(code)))])
            }))),
            (2, .child(.tables([subgraph]))),
            (3, .child(.string("autocoder"))),
            (4, .child(.tables(buffers))),
            (6, .child(.tables([.table([(0, .child(.string("min_runtime_version"))), (1, .uint32(UInt32(tensors.count + 1)))])]))),
        ])
        return FlatBufferWriter.buffer(root: root, identifier: "TFL3")
    }
}
