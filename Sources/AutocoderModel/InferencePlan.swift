// Compiles a TensorFlow Lite graph of dense layers into a straight-line plan,
// and runs it.
//
// Supported: FULLY_CONNECTED (fused NONE or RELU, bias optional, weights
// [out, in]), LOGISTIC, RELU, EXP, and ADD/MUL with a scalar, per-feature or
// same-shape operand; float32 throughout. Anything else is refused when the plan
// is built, with an error naming the operator or tensor.
//
// Threading: a plan is immutable after `init` and may be shared by any number
// of threads. Each thread runs it with its own scratch memory. The single-vector
// path (`run(input:scratch:)`) neither allocates nor locks, so the audio
// thread may call it; the batched path allocates and calls BLAS, for offline use.

internal import COpenBLAS
import Foundation

public final class InferencePlan: @unchecked Sendable {
    /// Features in the input vector.
    public let inputCount: Int
    /// Features in each output, in Keras order.
    public let outputCounts: [Int]
    /// One line per operator, for `autocoder info`.
    public let layerSummaries: [String]
    /// Floats of weights and biases.
    public let parameterCount: Int
    /// FULLY_CONNECTED operators in the graph (the architecture is read from it).
    public let denseLayerCount: Int
    /// Floats of scratch memory one single-vector run needs.
    public let scratchCount: Int

    private let steps: [Step]
    private let constants: UnsafeMutableBufferPointer<Float>
    private let inputOffset: Int
    private let outputOffsets: [Int]

    /// Where an operand's values live: in the scratch (per run) or in the constants.
    enum Operand {
        case activation(offset: Int)
        /// `count` is 1 for a scalar, otherwise the feature count (one value per feature).
        case constant(offset: Int, count: Int)
    }

    enum Step {
        case dense(input: Int, weights: Int, bias: Int?, output: Int, inputs: Int, outputs: Int, relu: Bool)
        case logistic(input: Int, output: Int, count: Int)
        case relu(input: Int, output: Int, count: Int)
        case exp(input: Int, output: Int, count: Int)
        case add(Operand, Operand, output: Int, count: Int, relu: Bool)
        case mul(Operand, Operand, output: Int, count: Int, relu: Bool)
    }

    /// Builds the plan for `model`, or throws naming the first thing it cannot run.
    public init(model: TFLiteModel, path: String) throws {
        func fail(_ problem: String) -> ModelFileError { ModelFileError(path: path, problem: problem) }
        let tensors = model.tensors

        guard model.inputs.count == 1 else {
            throw fail("the graph has \(model.inputs.count) inputs; an autocoder model has one")
        }
        guard !model.outputs.isEmpty else { throw fail("the graph has no outputs") }

        // Constants: every float32 tensor with data, packed 16-float aligned.
        var constantOffsets: [Int: Int] = [:]
        var constantTotal = 0
        for (index, tensor) in tensors.enumerated() {
            guard let data = tensor.constant else { continue }
            constantOffsets[index] = constantTotal
            constantTotal += (data.count + 15) & ~15
        }
        constants = .allocate(capacity: max(constantTotal, 1))
        constants.initialize(repeating: 0)
        for (index, offset) in constantOffsets {
            let data = tensors[index].constant!
            _ = UnsafeMutableBufferPointer(rebasing: constants[offset..<offset + data.count]).initialize(from: data)
        }

        // Activations: offsets into the scratch, in features per batch row.
        var activationOffsets: [Int: (offset: Int, count: Int)] = [:]
        var scratchTotal = 0
        func allocateActivation(_ tensor: Int, count: Int) {
            activationOffsets[tensor] = (scratchTotal, count)
            scratchTotal += (count + 15) & ~15
        }
        func featureCount(_ index: Int) throws -> Int {
            let tensor = tensors[index]
            guard tensor.type == 0 else {
                throw fail("tensor '\(tensor.name)' has type \(tensor.typeName); only FLOAT32 models are supported")
            }
            // [batch, features] or [features]; every leading dimension must be the batch of 1.
            guard let last = tensor.shape.last, tensor.shape.dropLast().allSatisfy({ $0 == 1 }) else {
                throw fail("tensor '\(tensor.name)' has shape \(tensor.shape); expected [batch, features]")
            }
            return last
        }

        let input = model.inputs[0]
        let inputCount = try featureCount(input)
        allocateActivation(input, count: inputCount)

        func activation(_ index: Int, of op: TFLiteModel.Operator, _ number: Int) throws -> (offset: Int, count: Int) {
            guard index >= 0, let slot = activationOffsets[index] else {
                let what = index >= 0 ? "reads tensor '\(tensors[index].name)' before any operator writes it" : "lacks an input"
                throw fail("operator #\(number) (\(op.name)) \(what)")
            }
            return slot
        }
        func operand(_ index: Int, of op: TFLiteModel.Operator, _ number: Int) throws -> (Operand, count: Int) {
            if index >= 0, tensors[index].type != 0 {
                throw fail("tensor '\(tensors[index].name)' has type \(tensors[index].typeName); only FLOAT32 models are supported")
            }
            if index >= 0, let offset = constantOffsets[index] {
                return (.constant(offset: offset, count: tensors[index].elementCount), tensors[index].elementCount)
            }
            let slot = try activation(index, of: op, number)
            return (.activation(offset: slot.offset), slot.count)
        }
        func fusedReLU(_ op: TFLiteModel.Operator, _ number: Int) throws -> Bool {
            switch op.fusedActivation {
            case 0: return false
            case 1: return true
            default:
                let name = TFLiteNames.name(TFLiteNames.activations, op.fusedActivation)
                throw fail("operator #\(number) (\(op.name)) has fused activation \(name); only NONE and RELU are supported")
            }
        }
        func output(_ op: TFLiteModel.Operator, _ number: Int, count: Int) throws -> Int {
            guard op.outputs.count == 1 else {
                throw fail("operator #\(number) (\(op.name)) has \(op.outputs.count) outputs; expected 1")
            }
            let index = op.outputs[0]
            let declared = try featureCount(index)
            guard declared == count else {
                throw fail("operator #\(number) (\(op.name)) computes \(count) values but its output '\(tensors[index].name)' has shape \(tensors[index].shape)")
            }
            guard activationOffsets[index] == nil, constantOffsets[index] == nil else {
                throw fail("operator #\(number) (\(op.name)) overwrites tensor '\(tensors[index].name)'")
            }
            allocateActivation(index, count: count)
            return activationOffsets[index]!.offset
        }

        var steps: [Step] = []
        var summaries: [String] = []
        var parameters = 0
        for (number, op) in model.operators.enumerated() {
            switch op.name {
            case "FULLY_CONNECTED":
                guard op.inputs.count >= 2 else { throw fail("operator #\(number) (FULLY_CONNECTED) has \(op.inputs.count) inputs") }
                guard op.weightsFormat == 0 else {
                    throw fail("operator #\(number) (FULLY_CONNECTED) uses a shuffled weights format; only DEFAULT is supported")
                }
                let x = try activation(op.inputs[0], of: op, number)
                let weightsIndex = op.inputs[1]
                guard weightsIndex >= 0, let weights = constantOffsets[weightsIndex] else {
                    let name = weightsIndex >= 0 ? "'\(tensors[weightsIndex].name)' (\(tensors[weightsIndex].typeName))" : "none"
                    throw fail("operator #\(number) (FULLY_CONNECTED) needs constant float32 weights; got \(name)")
                }
                let shape = tensors[weightsIndex].shape
                guard shape.count == 2, shape[1] == x.count else {
                    throw fail("operator #\(number) (FULLY_CONNECTED) has weights of shape \(shape) for an input of \(x.count) values")
                }
                var bias: Int?
                if op.inputs.count > 2, op.inputs[2] >= 0 {
                    let biasIndex = op.inputs[2]
                    guard let offset = constantOffsets[biasIndex], tensors[biasIndex].elementCount == shape[0] else {
                        throw fail("operator #\(number) (FULLY_CONNECTED) has a bias '\(tensors[biasIndex].name)' of shape \(tensors[biasIndex].shape) for \(shape[0]) outputs")
                    }
                    bias = offset
                    parameters += shape[0]
                }
                let relu = try fusedReLU(op, number)
                let y = try output(op, number, count: shape[0])
                steps.append(.dense(input: x.offset, weights: weights, bias: bias, output: y, inputs: shape[1], outputs: shape[0], relu: relu))
                parameters += shape[0] * shape[1]
                summaries.append("FULLY_CONNECTED \(shape[1]) -> \(shape[0])\(relu ? " RELU" : "")\(bias == nil ? " (no bias)" : "")")
            case "LOGISTIC", "RELU", "EXP":
                guard op.inputs.count == 1 else { throw fail("operator #\(number) (\(op.name)) has \(op.inputs.count) inputs") }
                let x = try activation(op.inputs[0], of: op, number)
                let y = try output(op, number, count: x.count)
                switch op.name {
                case "LOGISTIC": steps.append(.logistic(input: x.offset, output: y, count: x.count))
                case "RELU": steps.append(.relu(input: x.offset, output: y, count: x.count))
                default: steps.append(.exp(input: x.offset, output: y, count: x.count))
                }
                summaries.append("\(op.name) \(x.count)")
            case "ADD", "MUL":
                guard op.inputs.count == 2 else { throw fail("operator #\(number) (\(op.name)) has \(op.inputs.count) inputs") }
                let (a, aCount) = try operand(op.inputs[0], of: op, number)
                let (b, bCount) = try operand(op.inputs[1], of: op, number)
                let count = max(aCount, bCount)
                let activationCount = [(a, aCount), (b, bCount)].compactMap { operand, count -> Int? in
                    if case .activation = operand { return count } else { return nil }
                }
                guard !activationCount.isEmpty else {
                    throw fail("operator #\(number) (\(op.name)) has two constant operands")
                }
                guard aCount == count || aCount == 1, bCount == count || bCount == 1, activationCount.allSatisfy({ $0 == count }) else {
                    throw fail("operator #\(number) (\(op.name)) cannot combine operands of \(aCount) and \(bCount) values")
                }
                let relu = try fusedReLU(op, number)
                let y = try output(op, number, count: count)
                steps.append(op.name == "ADD" ? .add(a, b, output: y, count: count, relu: relu) : .mul(a, b, output: y, count: count, relu: relu))
                summaries.append("\(op.name) \(aCount) \(op.name == "ADD" ? "+" : "*") \(bCount)\(relu ? " RELU" : "")")
            default:
                throw fail("unsupported operator \(op.name) (operator #\(number)); supported: FULLY_CONNECTED, LOGISTIC, RELU, EXP, ADD, MUL")
            }
        }

        var outputOffsets: [Int] = []
        var outputCounts: [Int] = []
        for index in model.outputs {
            guard let slot = activationOffsets[index] else {
                throw fail("the graph output '\(tensors[index].name)' is never computed")
            }
            outputOffsets.append(slot.offset)
            outputCounts.append(slot.count)
        }

        self.inputCount = inputCount
        self.outputCounts = outputCounts
        self.layerSummaries = summaries
        self.parameterCount = parameters
        self.denseLayerCount = model.operators.count(where: { $0.name == "FULLY_CONNECTED" })
        self.scratchCount = scratchTotal
        self.steps = steps
        self.inputOffset = activationOffsets[input]!.offset
        self.outputOffsets = outputOffsets
    }

    deinit { constants.deallocate() }

    // MARK: Running

    /// Runs one vector. `scratch` must hold `scratchCount` floats; afterwards
    /// `output(k, scratch:)` points at output k. No allocation, no locks.
    @inline(__always)
    public func run(input: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        (scratch + inputOffset).update(from: input, count: inputCount)
        execute(batch: 1, scratch: scratch)
    }

    /// Where output `k` (Keras order) of the last run lies in `scratch`.
    @inline(__always)
    public func output(_ k: Int, scratch: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        scratch + outputOffsets[k]
    }

    /// Runs `batch` vectors stored row after row in `inputs`; returns each output
    /// as `batch` rows, in Keras order. Allocates; for offline use.
    public func run(batch: Int, inputs: [Float]) -> [[Float]] {
        precondition(inputs.count == batch * inputCount, "expected \(batch) x \(inputCount) input values")
        guard batch > 0 else { return outputCounts.map { _ in [] } }
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount * batch)
        defer { scratch.deallocate() }
        inputs.withUnsafeBufferPointer { (scratch + inputOffset * batch).update(from: $0.baseAddress!, count: inputs.count) }
        execute(batch: batch, scratch: scratch)
        return zip(outputOffsets, outputCounts).map { offset, count in
            Array(UnsafeBufferPointer(start: scratch + offset * batch, count: count * batch))
        }
    }

    /// Activation offsets are per batch row, so a tensor of a batch starts at `offset * batch`.
    private func execute(batch: Int, scratch: UnsafeMutablePointer<Float>) {
        let weightsBase = UnsafePointer(constants.baseAddress!)
        for step in steps {
            switch step {
            case let .dense(input, weights, bias, output, inputs, outputs, relu):
                let x = UnsafePointer(scratch + input * batch)
                let y = scratch + output * batch
                let w = weightsBase + weights
                let b = bias.map { weightsBase + $0 }
                if batch == 1 {
                    DenseKernel.matrixVector(weights: w, rows: outputs, columns: inputs, input: x, bias: b, output: y, relu: relu)
                } else {
                    DenseKernel.matrixMatrix(weights: w, rows: outputs, columns: inputs, inputs: x, batch: batch, bias: b, outputs: y, relu: relu)
                }
            case let .logistic(input, output, count):
                Self.map(scratch + input * batch, scratch + output * batch, count * batch) { 1 / (1 + Foundation.exp(-$0)) }
            case let .relu(input, output, count):
                Self.map(scratch + input * batch, scratch + output * batch, count * batch) { max($0, 0) }
            case let .exp(input, output, count):
                Self.map(scratch + input * batch, scratch + output * batch, count * batch) { Foundation.exp($0) }
            case let .add(a, b, output, count, relu):
                combine(a, b, into: scratch + output * batch, count: count, batch: batch, scratch: scratch, relu: relu, +)
            case let .mul(a, b, output, count, relu):
                combine(a, b, into: scratch + output * batch, count: count, batch: batch, scratch: scratch, relu: relu, *)
            }
        }
    }

    @inline(__always)
    private static func map(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ f: (Float) -> Float) {
        for i in 0..<n { y[i] = f(x[i]) }
    }

    @inline(__always)
    private func combine(_ a: Operand, _ b: Operand, into y: UnsafeMutablePointer<Float>, count: Int, batch: Int,
                         scratch: UnsafeMutablePointer<Float>, relu: Bool, _ f: (Float, Float) -> Float) {
        // Each operand is read as (base of row, step between features); a scalar constant steps by 0.
        func source(_ operand: Operand, row: Int) -> (UnsafePointer<Float>, Int) {
            switch operand {
            case let .activation(offset): return (UnsafePointer(scratch + offset * batch + row * count), 1)
            case let .constant(offset, n): return (UnsafePointer(constants.baseAddress! + offset), n == 1 ? 0 : 1)
            }
        }
        for row in 0..<batch {
            let (pa, sa) = source(a, row: row)
            let (pb, sb) = source(b, row: row)
            let out = y + row * count
            for i in 0..<count {
                let v = f(pa[i * sa], pb[i * sb])
                out[i] = relu ? max(v, 0) : v
            }
        }
    }
}

/// Dense-layer kernels: y = W x + b with W stored [rows, columns], row-major.
enum DenseKernel {
    /// One vector, SIMD, four rows at a time so each load of x feeds four
    /// accumulators. Real-time safe.
    @inline(__always)
    static func matrixVector(weights: UnsafePointer<Float>, rows: Int, columns: Int, input: UnsafePointer<Float>,
                             bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, relu: Bool) {
        let wide = columns & ~7
        let x = UnsafeRawPointer(input)
        var row = 0
        while row + 4 <= rows {
            let w0 = UnsafeRawPointer(weights + row * columns)
            let w1 = UnsafeRawPointer(weights + (row + 1) * columns)
            let w2 = UnsafeRawPointer(weights + (row + 2) * columns)
            let w3 = UnsafeRawPointer(weights + (row + 3) * columns)
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var byte = 0
            while byte < wide * 4 {
                let v = x.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self)
                a0 += w0.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self) * v
                a1 += w1.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self) * v
                a2 += w2.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self) * v
                a3 += w3.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self) * v
                byte += 32
            }
            var s0 = a0.sum(), s1 = a1.sum(), s2 = a2.sum(), s3 = a3.sum()
            for c in wide..<columns {
                let v = input[c]
                s0 += weights[row * columns + c] * v
                s1 += weights[(row + 1) * columns + c] * v
                s2 += weights[(row + 2) * columns + c] * v
                s3 += weights[(row + 3) * columns + c] * v
            }
            finish(output + row, bias.map { $0 + row }, relu, s0, s1, s2, s3)
            row += 4
        }
        while row < rows {
            let w = UnsafeRawPointer(weights + row * columns)
            var a = SIMD8<Float>()
            var byte = 0
            while byte < wide * 4 {
                a += w.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self) * x.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self)
                byte += 32
            }
            var s = a.sum()
            for c in wide..<columns { s += weights[row * columns + c] * input[c] }
            let v = s + (bias?[row] ?? 0)
            output[row] = relu ? max(v, 0) : v
            row += 1
        }
    }

    @inline(__always)
    private static func finish(_ y: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>?, _ relu: Bool,
                               _ s0: Float, _ s1: Float, _ s2: Float, _ s3: Float) {
        var v = SIMD4<Float>(s0, s1, s2, s3)
        if let b { v += SIMD4<Float>(b[0], b[1], b[2], b[3]) }
        if relu { v.replace(with: 0, where: v .< 0) }
        y[0] = v[0]; y[1] = v[1]; y[2] = v[2]; y[3] = v[3]
    }

    /// Many vectors at once through BLAS: Y[batch, rows] = X[batch, columns] Wᵀ + b.
    static func matrixMatrix(weights: UnsafePointer<Float>, rows: Int, columns: Int, inputs: UnsafePointer<Float>, batch: Int,
                             bias: UnsafePointer<Float>?, outputs: UnsafeMutablePointer<Float>, relu: Bool) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(batch), Int32(rows), Int32(columns),
                    1, inputs, Int32(columns), weights, Int32(columns), 0, outputs, Int32(rows))
        for n in 0..<batch {
            let y = outputs + n * rows
            for r in 0..<rows {
                let v = y[r] + (bias?[r] ?? 0)
                y[r] = relu ? max(v, 0) : v
            }
        }
    }
}
