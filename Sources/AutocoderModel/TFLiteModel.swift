// Reads TensorFlow Lite flatbuffers (schema version 3) into plain Swift values.
//
// Only what an autocoder model needs is read: tensors with their float32 data
// (and the int32/int64 data of shape and axis tensors), operators with their
// fused activation and the options of the shape and matrix operators, the
// graph's inputs and outputs, and the signature table that newer converters
// write. Whether the graph can be
// run is decided later by `InferencePlan`; this file only rejects files that
// are not well-formed. Pure functions of the bytes; callable from any thread.

import Foundation

/// A model file that could not be read or run; `description` names the file and the problem.
public struct ModelFileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}

/// The parts of a TensorFlow Lite file that inference needs.
public struct TFLiteModel: Sendable {
    public struct Tensor: Sendable {
        public let name: String
        /// Shape as stored (the batch dimension is stored as 1).
        public let shape: [Int]
        /// Shape with -1 where a dimension is dynamic (the batch), when the file says.
        public let shapeSignature: [Int]?
        /// TensorType code from the schema (0 = FLOAT32).
        public let type: Int
        /// Constant contents for float32 tensors that carry data; nil for activations.
        public let constant: [Float]?
        /// Constant contents of int32 and int64 tensors (shapes, axes, permutations).
        public let integers: [Int]?

        /// Elements the shape holds (Int.max when the file's dimensions would overflow).
        public var elementCount: Int { TFLiteModel.elementCount(of: shape) ?? Int.max }
        public var typeName: String { TFLiteNames.name(TFLiteNames.tensorTypes, type) }
    }

    public struct Operator: Sendable {
        /// Builtin operator code (9 = FULLY_CONNECTED, ...).
        public let code: Int
        /// Tensor indices; -1 marks an omitted optional input (a missing bias).
        public let inputs: [Int]
        public let outputs: [Int]
        /// ActivationFunctionType code of the operator's options (0 = NONE).
        public let fusedActivation: Int
        /// FullyConnectedOptions.weights_format (0 = DEFAULT).
        public let weightsFormat: Int
        /// Name of a custom operator, when `code` is CUSTOM.
        public let customName: String?
        /// BuiltinOptions type code of the operator's options (0 = none).
        public let optionsType: Int
        /// BatchMatMulOptions: whether the first or the second operand is taken transposed.
        public let adjointX: Bool
        public let adjointY: Bool
        /// ReshapeOptions.new_shape, when written.
        public let newShape: [Int]?
        /// SqueezeOptions.squeeze_dims (empty: every dimension of size 1).
        public let squeezeDimensions: [Int]

        public var name: String { customName ?? TFLiteNames.name(TFLiteNames.builtinOperators, code) }
    }

    public let schemaVersion: Int
    public let tensors: [Tensor]
    public let operators: [Operator]
    public let inputs: [Int]
    /// Output tensor indices in Keras order (for the encoder: z_mean, z_log_var, z).
    public let outputs: [Int]
    /// The signature key the outputs were ordered by, or nil for files without signatures.
    public let signatureKey: String?
    /// Bytes in the file.
    public let byteCount: Int

    static let fileIdentifier = "TFL3"

    /// Most values of an integer constant that are read.
    static let maximumIntegerConstant = 1 << 16

    /// BuiltinOptions union codes of the options read beyond the fused activation.
    enum OptionsType {
        static let reshape = 17, squeeze = 30, batchMatMul = 101
    }
    /// Larger files are refused unread: the published full-size deep decoder is 5 MB.
    public static let maximumFileSize = 256 << 20

    /// Reads a model from a file. The size and the identifier in the first 8
    /// bytes are checked before the rest is read, so a large file that is no
    /// model is refused at once.
    public init(contentsOf path: String) throws {
        let bytes = try ModelFileError.contents(of: path, maximumSize: Self.maximumFileSize, what: "a TensorFlow Lite model") { start in
            guard start.count >= 8 else { return "not a TensorFlow Lite file: only \(start.count) bytes" }
            return Self.identifierProblem(start)
        }
        try self.init(bytes: bytes, path: path)
    }

    /// Why a file starting with `start` (its first 8 bytes or more) is not a
    /// TensorFlow Lite file, or nil when its identifier says it is one.
    static func identifierProblem(_ start: [UInt8]) -> String? {
        let identifier = start.count >= 8 ? Array(start[4..<8]) : []
        guard identifier != Array(fileIdentifier.utf8) else { return nil }
        let shown = identifier.allSatisfy { (0x20..<0x7F).contains($0) } ? "'\(String(decoding: identifier, as: UTF8.self))'" : "not text"
        return "not a TensorFlow Lite file: its identifier (bytes 4–7) is \(shown), not \(fileIdentifier)"
    }

    /// Reads a model from bytes; `path` is used in error messages.
    public init(bytes: [UInt8], path: String) throws {
        do {
            try self.init(parsing: FlatBuffer(bytes))
        } catch let error as FlatBufferError {
            throw ModelFileError(path: path, problem: "corrupt or truncated TensorFlow Lite file: \(error.message)")
        } catch let error as TFLiteFormatError {
            throw ModelFileError(path: path, problem: error.message)
        }
    }

    private init(parsing buffer: FlatBuffer) throws {
        guard buffer.count >= 8 else {
            throw TFLiteFormatError("not a TensorFlow Lite file: only \(buffer.count) bytes")
        }
        if let problem = Self.identifierProblem(Array(buffer.bytes.prefix(8))) { throw TFLiteFormatError(problem) }
        byteCount = buffer.count
        let model = try buffer.rootTable()
        schemaVersion = Int(try model.scalar(0, UInt32.self, default: 0))
        guard schemaVersion == 3 else {
            throw TFLiteFormatError("unsupported TensorFlow Lite schema version \(schemaVersion) (expected 3)")
        }

        let operatorCodes: [(code: Int, custom: String?)] = try model.tables(1, "operator_codes").map { table in
            let deprecated = Int(try table.scalar(0, Int8.self, default: 0))
            let builtin = Int(try table.scalar(3, Int32.self, default: 0))
            return (max(deprecated, builtin), try table.string(1, "custom_code"))
        }
        let buffers = try model.tables(4, "buffers")

        let signatures = try model.tables(7, "signature_defs")
        let signature = try signatures.first { try $0.string(2, "signature_key") == "serving_default" } ?? signatures.first
        let subgraphIndex = Int(try signature?.scalar(4, UInt32.self, default: 0) ?? 0)
        let subgraphs = try model.tables(2, "subgraphs")
        guard subgraphs.indices.contains(subgraphIndex) else {
            throw TFLiteFormatError(subgraphs.isEmpty ? "the file has no subgraph" : "signature names subgraph \(subgraphIndex) of \(subgraphs.count)")
        }
        let graph = subgraphs[subgraphIndex]

        tensors = try graph.tables(0, "tensors").enumerated().map { index, table in
            try Self.readTensor(table, index: index, buffers: buffers, file: buffer)
        }
        operators = try graph.tables(3, "operators").enumerated().map { index, table in
            let codeIndex = Int(try table.scalar(0, UInt32.self, default: 0))
            guard operatorCodes.indices.contains(codeIndex) else {
                throw TFLiteFormatError("operator #\(index) uses operator code \(codeIndex) of \(operatorCodes.count)")
            }
            let optionsType = Int(try table.scalar(3, UInt8.self, default: 0))
            let options = try table.table(4, "builtin_options")
            // Field 0 is the fused activation in the options of FULLY_CONNECTED,
            // ADD, MUL and their like, but something else in these.
            let shapeOptions = [OptionsType.reshape, OptionsType.squeeze, OptionsType.batchMatMul].contains(optionsType)
            let matMul = optionsType == OptionsType.batchMatMul
            let adjointX = matMul ? try options?.scalar(0, UInt8.self, default: 0) ?? 0 : 0
            let adjointY = matMul ? try options?.scalar(1, UInt8.self, default: 0) ?? 0 : 0
            return Operator(
                code: operatorCodes[codeIndex].code,
                inputs: try table.int32s(1, "inputs"),
                outputs: try table.int32s(2, "outputs"),
                fusedActivation: shapeOptions ? 0 : Int(try options?.scalar(0, Int8.self, default: 0) ?? 0),
                weightsFormat: shapeOptions ? 0 : Int(try options?.scalar(1, Int8.self, default: 0) ?? 0),
                customName: operatorCodes[codeIndex].custom,
                optionsType: optionsType,
                adjointX: adjointX != 0,
                adjointY: adjointY != 0,
                newShape: optionsType == OptionsType.reshape ? try options?.optionalInt32s(0, "new_shape") : nil,
                squeezeDimensions: optionsType == OptionsType.squeeze ? try options?.int32s(0, "squeeze_dims") ?? [] : []
            )
        }
        inputs = try graph.int32s(1, "inputs")
        let graphOutputs = try graph.int32s(2, "outputs")

        if let signature {
            signatureKey = try signature.string(2, "signature_key") ?? ""
            let named = try signature.tables(1, "outputs").map { map in
                (name: try map.string(0, "name") ?? "", tensor: Int(try map.scalar(1, UInt32.self, default: 0)))
            }
            outputs = Self.kerasOrder(named) ?? graphOutputs
        } else {
            signatureKey = nil
            outputs = graphOutputs
        }

        for (index, op) in operators.enumerated() {
            for tensor in op.inputs + op.outputs where tensor != -1 && !tensors.indices.contains(tensor) {
                throw TFLiteFormatError("operator #\(index) (\(op.name)) refers to tensor \(tensor) of \(tensors.count)")
            }
        }
        for tensor in inputs + outputs where !tensors.indices.contains(tensor) {
            throw TFLiteFormatError("the graph's inputs or outputs refer to tensor \(tensor) of \(tensors.count)")
        }
    }

    /// Signature outputs are named `output_0`, `output_1`, … in Keras order by the
    /// converter of Keras 3 models, and after the Keras layer names by older
    /// converters of Keras 2 models. Either way, recover Keras order.
    private static func kerasOrder(_ named: [(name: String, tensor: Int)]) -> [Int]? {
        let numbered = named.compactMap { entry -> (Int, Int)? in
            guard entry.name.hasPrefix("output_"), let n = Int(entry.name.dropFirst("output_".count)) else { return nil }
            return (n, entry.tensor)
        }
        if numbered.count == named.count { return numbered.sorted { $0.0 < $1.0 }.map(\.1) }
        let layerOrder = ["z_mean", "z_log_var", "z"]
        if named.count == layerOrder.count, Set(named.map(\.name)) == Set(layerOrder) {
            return layerOrder.map { name in named.first { $0.name == name }!.tensor }
        }
        return named.count == 1 ? [named[0].tensor] : nil
    }

    private static func readTensor(_ table: FlatTable, index: Int, buffers: [FlatTable], file: FlatBuffer) throws -> Tensor {
        let name = try table.string(3, "name") ?? "#\(index)"
        let shape = try table.int32s(0, "shape")
        if let bad = shape.first(where: { $0 < 0 || $0 > 1 << 24 }) {
            throw TFLiteFormatError("tensor '\(name)' has an impossible dimension \(bad) in shape \(shape)")
        }
        let signature = try table.optionalInt32s(7, "shape_signature")
        if let signature, signature.count != shape.count || signature.contains(where: { $0 < -1 || $0 > 1 << 24 }) {
            throw TFLiteFormatError("tensor '\(name)' has a shape signature \(signature) that does not fit its shape \(shape)")
        }
        let type = Int(try table.scalar(1, Int8.self, default: 0))
        let bufferIndex = Int(try table.scalar(2, UInt32.self, default: 0))
        guard buffers.indices.contains(bufferIndex) || (bufferIndex == 0 && buffers.isEmpty) else {
            throw TFLiteFormatError("tensor '\(name)' uses buffer \(bufferIndex) of \(buffers.count)")
        }
        var constant: [Float]?
        var integers: [Int]?
        if bufferIndex > 0, let bytes = try bufferBytes(buffers[bufferIndex], file: file, tensor: name), !bytes.isEmpty {
            guard let elements = elementCount(of: shape), elements <= Int.max / 8 else {
                throw TFLiteFormatError("tensor '\(name)' has a shape \(shape) too large to hold")
            }
            let expected = elements * 4
            // Shape, axis and permutation tensors hold a few values; larger integer
            // tensors are no use to a plan and are not decoded.
            if type == TensorType.int32 || type == TensorType.int64, elements <= Self.maximumIntegerConstant {
                let width = type == TensorType.int32 ? 4 : 8
                guard bytes.count == elements * width else {
                    throw TFLiteFormatError("tensor '\(name)' holds \(bytes.count) bytes but its shape \(shape) needs \(elements * width)")
                }
                integers = file.bytes.withUnsafeBytes { raw in
                    (0..<elements).map { i in
                        let at = bytes.lowerBound + width * i
                        return width == 4 ? Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int32.self)))
                            : Int(truncatingIfNeeded: Int64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int64.self)))
                    }
                }
            }
            if type == TensorType.float32 {
                guard bytes.count == expected else {
                    throw TFLiteFormatError("tensor '\(name)' holds \(bytes.count) bytes but its shape \(shape) needs \(expected)")
                }
                let values = file.bytes.withUnsafeBytes { raw in
                    (0..<bytes.count / 4).map { i in
                        Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: bytes.lowerBound + 4 * i, as: UInt32.self)))
                    }
                }
                if let problem = nonFiniteProblem(values) { throw TFLiteFormatError("tensor '\(name)' holds \(problem) — a diverged training run?") }
                constant = values
            }
        }
        return Tensor(name: name, shape: shape, shapeSignature: signature, type: type, constant: constant, integers: integers)
    }

    /// "3 non-finite values (NaN)" for weights that hold NaN or ±inf, else nil:
    /// one such weight makes every output NaN.
    static func nonFiniteProblem(_ values: [Float]) -> String? {
        let counts = [("NaN", values.count(where: \.isNaN)), ("+inf", values.count(where: { $0 == .infinity })),
                      ("-inf", values.count(where: { $0 == -.infinity }))].filter { $0.1 > 0 }
        guard !counts.isEmpty else { return nil }
        let total = counts.reduce(0) { $0 + $1.1 }
        let kinds = counts.count == 1 ? counts[0].0 : counts.map { "\($0.1) \($0.0)" }.joined(separator: ", ")
        return "\(total) non-finite value\(total == 1 ? "" : "s") (\(kinds))"
    }

    /// Elements `shape` holds, or nil when its dimensions (read from the file,
    /// so not to be trusted) multiply past Int.max.
    static func elementCount(of shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// The byte range of a buffer: inline data, or (for files over 2 GB) an offset into the file.
    private static func bufferBytes(_ table: FlatTable, file: FlatBuffer, tensor: String) throws -> Range<Int>? {
        if let data = try table.vector(0, "data", elementSize: 1) { return data.byteRange }
        let offset = try table.scalar(1, UInt64.self, default: 0)
        let size = try table.scalar(2, UInt64.self, default: 0)
        guard offset > 1 else { return nil }
        guard offset <= UInt64(file.count), size <= UInt64(file.count) - offset else {
            throw TFLiteFormatError("tensor '\(tensor)' data at byte \(offset) (+\(size)) lies outside the \(file.count)-byte file")
        }
        return Int(offset)..<Int(offset + size)
    }
}

/// TensorType codes from the schema.
enum TensorType {
    static let float32 = 0, int32 = 2, int64 = 4
}

struct TFLiteFormatError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
