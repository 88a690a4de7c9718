// A TensorFlow Lite graph of dense layers compiled into a straight-line plan
// (by `PlanBuilder`), and run.
//
// Activations are [batch, features]: every step works on each batch row
// alone. Shape operators (EXPAND_DIMS, RESHAPE, SQUEEZE, a TRANSPOSE that
// keeps the values in order) only rename a row and leave no step; operators
// on constants are folded when the plan is built; FULLY_CONNECTED and
// BATCH_MATMUL by a constant run as dense steps. Anything else is refused when
// the plan is built, with an error naming the operator or tensor.
//
// Threading: a plan is immutable after `init` and may be shared by any number
// of threads. Each thread runs it with its own scratch memory. The
// single-vector path (`run(input:scratch:)`) and the batched path over
// caller's memory (`run(batch:inputs:scratch:)`) neither allocate nor lock
// nor call BLAS, so the audio thread may call them; the array-returning
// batched path (`run(batch:inputs:)`) allocates and calls BLAS, for offline
// bulk use: BLAS spreads a large batch over every core, which the real-time
// kernel must not.

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
    /// FULLY_CONNECTED operators in the graph, less a trailing linear map (the
    /// architecture is read from it).
    public let denseLayerCount: Int
    /// Floats of scratch memory one single-vector run needs.
    public let scratchCount: Int
    /// What runs the dense steps of `run(batch:inputs:scratch:)`.
    public let batchKernel: BatchKernel

    let steps: [Step]
    /// The operator each step comes from.
    let stepOperators: [Int]
    let constants: PlanConstants
    let inputOffset: Int
    let outputOffsets: [Int]

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
    public convenience init(model: TFLiteModel, path: String) throws {
        var builder = PlanBuilder(model: model, path: path)
        try builder.build()
        let fullyConnected = model.operators.count(where: { $0.name == "FULLY_CONNECTED" })
        let mapIsFullyConnected = Self.trailingMap(builder.steps, builder.outputOffsets) != nil
            && model.operators[builder.stepOperators.last!].name == "FULLY_CONNECTED"
        self.init(steps: builder.steps, stepOperators: builder.stepOperators, constants: PlanConstants(builder.constantValues),
                  inputOffset: builder.inputOffset, inputCount: builder.inputCount,
                  outputOffsets: builder.outputOffsets, outputCounts: builder.outputCounts,
                  summaries: builder.summaries, parameters: builder.parameters,
                  denseLayerCount: fullyConnected - (mapIsFullyConnected ? 1 : 0), scratchCount: builder.scratchCount,
                  batchKernel: .fastest)
    }

    private init(steps: [Step], stepOperators: [Int], constants: PlanConstants, inputOffset: Int, inputCount: Int,
                 outputOffsets: [Int], outputCounts: [Int], summaries: [String], parameters: Int, denseLayerCount: Int,
                 scratchCount: Int, batchKernel: BatchKernel) {
        self.steps = steps
        self.stepOperators = stepOperators
        self.constants = constants
        self.inputOffset = inputOffset
        self.inputCount = inputCount
        self.outputOffsets = outputOffsets
        self.outputCounts = outputCounts
        self.layerSummaries = summaries
        self.parameterCount = parameters
        self.denseLayerCount = denseLayerCount
        self.scratchCount = scratchCount
        self.batchKernel = batchKernel
    }

    /// This plan with its batches run by `kernel` (which must be available on
    /// this CPU), sharing the constants: to compare or test the kernels.
    public func running(batchesWith kernel: BatchKernel) -> InferencePlan {
        precondition(kernel.isAvailable, "\(kernel) does not run on this CPU")
        return InferencePlan(steps: steps, stepOperators: stepOperators, constants: constants, inputOffset: inputOffset,
                             inputCount: inputCount, outputOffsets: outputOffsets, outputCounts: outputCounts,
                             summaries: layerSummaries, parameters: parameterCount, denseLayerCount: denseLayerCount,
                             scratchCount: scratchCount, batchKernel: kernel)
    }

    // MARK: A trailing linear map

    /// The last step when it is a constant linear map with no bias and no
    /// activation whose result is the graph's only output (y = W x, as the
    /// training notebook's `.fft.dec` ends): its sizes and the step's fields.
    private static func trailingMap(_ steps: [Step], _ outputOffsets: [Int])
        -> (input: Int, weights: Int, inputs: Int, outputs: Int)? {
        guard steps.count >= 2, outputOffsets.count == 1,
              case let .dense(input, weights, nil, output, inputs, outputs, false) = steps.last!, output == outputOffsets[0] else { return nil }
        return (input, weights, inputs, outputs)
    }

    /// The matrix of the trailing linear map, [outputs, inputs] row-major, when
    /// the plan ends with one. Valid while the plan lives.
    public var trailingLinearMap: (inputs: Int, outputs: Int, weights: UnsafeBufferPointer<Float>)? {
        guard let map = Self.trailingMap(steps, outputOffsets) else { return nil }
        let start = UnsafePointer(constants.values.baseAddress! + map.weights)
        return (map.inputs, map.outputs, UnsafeBufferPointer(start: start, count: map.inputs * map.outputs))
    }

    /// The plan up to its trailing linear map: its output is the map's input
    /// (for the notebook's `.fft.dec`, the mel decoder's 512 values). Shares
    /// this plan's constants. Nil when the plan does not end with such a map.
    public func droppingTrailingLinearMap() -> InferencePlan? {
        guard let map = Self.trailingMap(steps, outputOffsets) else { return nil }
        let mapOperator = stepOperators.last!
        return InferencePlan(steps: Array(steps.dropLast()), stepOperators: Array(stepOperators.dropLast()), constants: constants,
                             inputOffset: inputOffset, inputCount: inputCount, outputOffsets: [map.input], outputCounts: [map.inputs],
                             summaries: Array(layerSummaries.prefix(mapOperator)), parameters: parameterCount - map.inputs * map.outputs,
                             denseLayerCount: denseLayerCount, scratchCount: scratchCount, batchKernel: batchKernel)
    }

    // MARK: Running

    /// Runs one vector. `scratch` must hold `scratchCount` floats; afterwards
    /// `output(k, scratch:)` points at output k. No allocation, no locks.
    @inline(__always)
    public func run(input: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        (scratch + inputOffset).update(from: input, count: inputCount)
        execute(batch: 1, scratch: scratch, dense: .single)
    }

    /// Where output `k` (Keras order) of the last run lies in `scratch`.
    @inline(__always)
    public func output(_ k: Int, scratch: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        scratch + outputOffsets[k]
    }

    /// Floats of scratch memory `run(batch:inputs:scratch:)` needs for `batch` vectors.
    @inline(__always)
    public func scratchCount(batch: Int) -> Int { scratchCount * batch }

    /// Runs `batch` vectors (`batch` rows of `inputCount` floats, row after row)
    /// with `scratch` of `scratchCount(batch:)` floats; afterwards
    /// `output(k, batch:, scratch:)` points at output k. Each weight is read
    /// once for several vectors (`batchKernel`, also for a batch of 1: the
    /// AVX2/FMA kernel is faster there than `run(input:scratch:)`). No
    /// allocation, no locks, no BLAS: the audio thread may call it. A batch of
    /// 0 does nothing.
    @inline(__always)
    public func run(batch: Int, inputs: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        (scratch + inputOffset * batch).update(from: inputs, count: inputCount * batch)
        execute(batch: batch, scratch: scratch, dense: .smallBatch)
    }

    /// Where output `k` (Keras order) of the last `run(batch:inputs:scratch:)`
    /// of `batch` vectors lies in `scratch`: `batch` rows of `outputCounts[k]` floats.
    @inline(__always)
    public func output(_ k: Int, batch: Int, scratch: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        scratch + outputOffsets[k] * batch
    }

    /// Runs `batch` vectors stored row after row in `inputs`; returns each output
    /// as `batch` rows, in Keras order. Allocates and calls BLAS; for offline use.
    public func run(batch: Int, inputs: [Float]) -> [[Float]] {
        precondition(inputs.count == batch * inputCount, "expected \(batch) x \(inputCount) input values")
        guard batch > 0 else { return outputCounts.map { _ in [] } }
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount * batch)
        defer { scratch.deallocate() }
        inputs.withUnsafeBufferPointer { (scratch + inputOffset * batch).update(from: $0.baseAddress!, count: inputs.count) }
        execute(batch: batch, scratch: scratch, dense: .blas)
        return zip(outputOffsets, outputCounts).map { offset, count in
            Array(UnsafeBufferPointer(start: scratch + offset * batch, count: count * batch))
        }
    }

    /// What runs the dense steps.
    private enum DenseRoute {
        /// One vector, `matrixVector`.
        case single
        /// `batchKernel`, for every batch (the portable kernel runs a batch of 1 as `matrixVector`).
        case smallBatch
        /// BLAS (one vector as `matrixVector`): offline.
        case blas
    }

    /// Activation offsets are per batch row, so a tensor of a batch starts at `offset * batch`.
    private func execute(batch: Int, scratch: UnsafeMutablePointer<Float>, dense route: DenseRoute) {
        let weightsBase = UnsafePointer(constants.values.baseAddress!)
        for step in steps {
            switch step {
            case let .dense(input, weights, bias, output, inputs, outputs, relu):
                let x = UnsafePointer(scratch + input * batch)
                let y = scratch + output * batch
                let w = weightsBase + weights
                let b = bias.map { weightsBase + $0 }
                switch route {
                case .smallBatch:
                    DenseKernel.matrixMatrixSmallBatch(batchKernel, weights: w, rows: outputs, columns: inputs, inputs: x, batch: batch,
                                                       bias: b, outputs: y, relu: relu)
                case .blas where batch > 1:
                    DenseKernel.matrixMatrix(weights: w, rows: outputs, columns: inputs, inputs: x, batch: batch, bias: b, outputs: y, relu: relu)
                case .single, .blas:
                    DenseKernel.matrixVector(weights: w, rows: outputs, columns: inputs, input: x, bias: b, output: y, relu: relu)
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
            case let .constant(offset, n): return (UnsafePointer(constants.values.baseAddress! + offset), n == 1 ? 0 : 1)
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
