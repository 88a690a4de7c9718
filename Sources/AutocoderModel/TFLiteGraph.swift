// A TensorFlow Lite graph written tensor by tensor and operator by operator,
// in the layout TensorFlow's converters use: activations with a batch
// dimension stored as 1 (and -1 in their shape signature), constants in
// buffers of their own, operator codes in the order they first appear, no
// signature table. TFLiteWriter writes the published decoders and encoders
// with it; tests write the other graphs converters make (the training
// notebook's `.fft.dec`, operators that must be refused).
// Values in, bytes out; any thread.

public struct TFLiteGraph: Sendable {
    public enum Operation: Sendable, Equatable {
        case fullyConnected(relu: Bool)
        case logistic, exp, add, mul
        case batchMatMul(adjointX: Bool, adjointY: Bool)
        case expandDims
        /// `newShape` goes into the options (converters write it as well as, or instead of, a shape tensor).
        case reshape(newShape: [Int]?)
        case squeeze(dimensions: [Int])
        case transpose
        /// Any other builtin operator (by its schema code), without options.
        case builtin(Int)
    }

    private enum Data: Sendable {
        case activation
        case intermediate
        case floats([Float])
        case int32s([Int32])
    }

    private struct Tensor: Sendable {
        let name: String
        let shape: [Int]
        let data: Data
    }

    private struct Operator: Sendable {
        let operation: Operation
        let inputs: [Int]
        let outputs: [Int]
    }

    private var tensors: [Tensor] = []
    private var operators: [Operator] = []

    public init() {}

    /// An activation of `shape` per batch row (stored as [1] + shape); returns its index.
    public mutating func activation(_ name: String, shape: [Int]) -> Int {
        tensors.append(Tensor(name: name, shape: shape, data: .activation))
        return tensors.count - 1
    }

    /// A tensor without data whose shape has no batch dimension: what an
    /// operator on constants makes, before a converter folds it.
    public mutating func intermediate(_ name: String, shape: [Int]) -> Int {
        tensors.append(Tensor(name: name, shape: shape, data: .intermediate))
        return tensors.count - 1
    }

    /// A float32 constant.
    public mutating func constant(_ name: String, shape: [Int], _ values: [Float]) -> Int {
        precondition(values.count == shape.reduce(1, *), "constant '\(name)' has \(values.count) values for shape \(shape)")
        tensors.append(Tensor(name: name, shape: shape, data: .floats(values)))
        return tensors.count - 1
    }

    /// An int32 constant (a shape, axis or permutation).
    public mutating func constant(_ name: String, shape: [Int], integers values: [Int]) -> Int {
        precondition(values.count == shape.reduce(1, *), "constant '\(name)' has \(values.count) values for shape \(shape)")
        tensors.append(Tensor(name: name, shape: shape, data: .int32s(values.map { Int32($0) })))
        return tensors.count - 1
    }

    /// An operator; -1 in `inputs` marks an omitted optional input.
    public mutating func add(_ operation: Operation, inputs: [Int], outputs: [Int]) {
        operators.append(Operator(operation: operation, inputs: inputs, outputs: outputs))
    }

    /// The file, with `inputs` and `outputs` as the graph's.
    public func bytes(inputs: [Int], outputs: [Int]) -> [UInt8] {
        var codes: [Int] = []
        for op in operators where !codes.contains(Self.code(op.operation)) { codes.append(Self.code(op.operation)) }

        let tensorTables: [FlatNode] = tensors.enumerated().map { index, tensor in
            let type: Int8 = if case .int32s = tensor.data { 2 } else { 0 }
            let isActivation = if case .activation = tensor.data { true } else { false }
            var fields: [(id: Int, field: FlatNode.Field)] = [
                (0, .child(.int32s(isActivation ? [1] + tensor.shape : tensor.shape))),
                (1, .int8(type)),
                (2, .uint32(UInt32(index + 1))),
                (3, .child(.string(tensor.name))),
                (4, .child(.table([]))),
            ]
            if isActivation { fields.append((7, .child(.int32s([-1] + tensor.shape)))) }
            return .table(fields)
        }
        let operatorTables: [FlatNode] = operators.map { op in
            var fields: [(id: Int, field: FlatNode.Field)] = [
                (0, .uint32(UInt32(codes.firstIndex(of: Self.code(op.operation))!))),
                (1, .child(.int32s(op.inputs))),
                (2, .child(.int32s(op.outputs))),
            ]
            if let (type, options) = Self.options(op.operation) {
                fields.append((3, .uint8(type)))
                fields.append((4, .child(options)))
            }
            return .table(fields)
        }
        let buffers: [FlatNode] = [.table([])] + tensors.map { tensor in
            var bytes = [UInt8]()
            switch tensor.data {
            case .activation, .intermediate: return .table([])
            case let .floats(values):
                bytes.reserveCapacity(values.count * 4)
                for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
            case let .int32s(values):
                for value in values { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
            }
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

    /// BuiltinOperator codes of the schema.
    private static func code(_ operation: Operation) -> Int {
        switch operation {
        case .add: 0
        case .fullyConnected: 9
        case .logistic: 14
        case .mul: 18
        case .reshape: 22
        case .transpose: 39
        case .squeeze: 43
        case .exp: 47
        case .expandDims: 70
        case .batchMatMul: 126
        case let .builtin(code): code
        }
    }

    /// The BuiltinOptions union type and table an operation is written with.
    private static func options(_ operation: Operation) -> (UInt8, FlatNode)? {
        switch operation {
        case let .fullyConnected(relu): (8, .table([(0, .int8(relu ? 1 : 0)), (1, .int8(0)), (2, .uint8(0))]))
        case .add: (11, .table([(0, .int8(0))]))
        case .mul: (21, .table([(0, .int8(0))]))
        case .exp: (33, .table([]))
        case let .reshape(newShape): (17, .table(newShape.map { [(0, .child(.int32s($0)))] } ?? []))
        case .transpose: (26, .table([]))
        case let .squeeze(dimensions): (30, .table([(0, .child(.int32s(dimensions)))]))
        case .expandDims: (52, .table([]))
        case let .batchMatMul(adjointX, adjointY): (101, .table([(0, .uint8(adjointX ? 1 : 0)), (1, .uint8(adjointY ? 1 : 0))]))
        case .logistic, .builtin: nil
        }
    }
}
