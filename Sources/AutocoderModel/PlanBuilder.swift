// Turns a TensorFlow Lite graph into the steps of an InferencePlan, checking
// every operator, tensor and shape on the way: the first thing it cannot run
// is refused with an error that names it. The operators themselves are in
// PlanBuilder+Layers (dense and elementwise), PlanBuilder+Shapes (EXPAND_DIMS,
// RESHAPE, SQUEEZE, TRANSPOSE) and PlanBuilder+MatMul (BATCH_MATMUL).
//
// An activation is kept per batch row: its shape as stored has the batch
// first (stored as 1; a tensor of rank 1 is read as one row) and a row's
// values follow in C order, one block of the scratch memory per tensor.
// Constants (the file's, and those folded from operators on constants) are
// packed into one array, each stored once and only when a step uses it.
//
// Build time only; values in, values out; any thread.

struct PlanBuilder {
    let model: TFLiteModel
    let path: String

    struct Activation {
        /// Where a row's values start in the scratch.
        let offset: Int
        /// Shape as stored, the batch (1) first.
        let shape: [Int]
        var count: Int { shape.reduce(1, *) }
    }

    struct Constant {
        let values: [Float]
        let shape: [Int]
    }

    static let supported = "FULLY_CONNECTED, BATCH_MATMUL (by a constant), LOGISTIC, RELU, EXP, ADD, MUL, "
        + "EXPAND_DIMS, RESHAPE, SQUEEZE, TRANSPOSE"
    /// Values an activation may hold per batch row.
    static let maximumActivation = 1 << 26

    private(set) var steps: [InferencePlan.Step] = []
    /// The operator each step comes from.
    private(set) var stepOperators: [Int] = []
    /// One line per operator.
    private(set) var summaries: [String] = []
    private(set) var parameters = 0
    private(set) var scratchCount = 0
    private(set) var constantValues: [Float] = []
    private(set) var inputOffset = 0
    private(set) var inputCount = 0
    private(set) var outputOffsets: [Int] = []
    private(set) var outputCounts: [Int] = []

    private var activations: [Int: Activation] = [:]
    /// Constants made while building: shape operators and TRANSPOSE on constants.
    private var folded: [Int: Constant] = [:]
    /// Where a constant tensor's values lie in `constantValues`, once stored.
    private var stored: [Int: Int] = [:]

    init(model: TFLiteModel, path: String) {
        self.model = model
        self.path = path
    }

    mutating func build() throws {
        guard model.inputs.count == 1 else {
            throw fail("the graph has \(model.inputs.count) inputs; an autocoder model has one")
        }
        guard !model.outputs.isEmpty else { throw fail("the graph has no outputs") }
        let input = model.inputs[0]
        let shape = try activationShape(input)
        guard let count = Self.rowLength(shape) else {
            throw fail("tensor '\(model.tensors[input].name)' has shape \(model.tensors[input].shape); expected [batch, features]")
        }
        inputOffset = allocate(input, shape: shape).offset
        inputCount = count

        for (number, op) in model.operators.enumerated() {
            let before = steps.count
            switch op.name {
            case "FULLY_CONNECTED": try fullyConnected(op, number)
            case "BATCH_MATMUL": try batchMatMul(op, number)
            case "LOGISTIC", "RELU", "EXP": try elementwise(op, number)
            case "ADD", "MUL": try combination(op, number)
            case "EXPAND_DIMS": try expandDims(op, number)
            case "RESHAPE": try reshape(op, number)
            case "SQUEEZE": try squeeze(op, number)
            case "TRANSPOSE": try transpose(op, number)
            default:
                throw fail("unsupported operator \(op.name) (operator #\(number)); supported: \(Self.supported)")
            }
            stepOperators += Array(repeating: number, count: steps.count - before)
        }

        for index in model.outputs {
            guard let slot = activations[index] else {
                throw fail("the graph output '\(model.tensors[index].name)' is never computed")
            }
            outputOffsets.append(slot.offset)
            outputCounts.append(slot.count)
        }
    }

    // MARK: Errors

    func fail(_ problem: String) -> ModelFileError { ModelFileError(path: path, problem: problem) }

    func fail(_ op: TFLiteModel.Operator, _ number: Int, _ problem: String) -> ModelFileError {
        fail("operator #\(number) (\(op.name)) \(problem)")
    }

    // MARK: Tensors

    /// The length of a row vector ([1, …, 1, n]), or nil for any other shape.
    static func rowLength(_ shape: [Int]) -> Int? {
        shape.dropLast().allSatisfy { $0 == 1 } ? shape.last : nil
    }

    /// A shape for messages, the batch shown as -1.
    static func describe(activation shape: [Int]) -> String {
        "\([-1] + shape.dropFirst())"
    }

    /// The stored shape of activation tensor `index`, checked: float32, the
    /// batch first (a rank-1 tensor is read as one row), no other dynamic
    /// dimension, and a size a plan can hold.
    func activationShape(_ index: Int) throws -> [Int] {
        let tensor = model.tensors[index]
        guard tensor.type == TensorType.float32 else {
            throw fail("tensor '\(tensor.name)' has type \(tensor.typeName); only FLOAT32 models are supported")
        }
        guard !tensor.shape.isEmpty, tensor.shape.count == 1 || tensor.shape[0] == 1 else {
            throw fail("tensor '\(tensor.name)' has shape \(tensor.shape); expected [batch, features]")
        }
        if tensor.shape.count > 1, let signature = tensor.shapeSignature, signature.dropFirst().contains(-1) {
            throw fail("tensor '\(tensor.name)' has a dynamic dimension other than the batch (shape signature \(signature))")
        }
        guard let count = TFLiteModel.elementCount(of: tensor.shape), count <= Self.maximumActivation else {
            throw fail("tensor '\(tensor.name)' has shape \(tensor.shape); at most \(Self.maximumActivation) values per batch row are supported")
        }
        return tensor.shape.count == 1 ? [1] + tensor.shape : tensor.shape
    }

    /// Tensor `index` as an activation an earlier operator (or the input) wrote.
    func activation(_ index: Int, of op: TFLiteModel.Operator, _ number: Int) throws -> Activation {
        guard index >= 0, let slot = activations[index] else {
            throw fail(op, number, index >= 0 ? "reads tensor '\(model.tensors[index].name)' before any operator writes it" : "lacks an input")
        }
        return slot
    }

    /// Tensor `index` as a float32 constant (the file's, or folded), or nil.
    func constant(_ index: Int) -> Constant? {
        guard index >= 0 else { return nil }
        if let constant = folded[index] { return constant }
        let tensor = model.tensors[index]
        return tensor.constant.map { Constant(values: $0, shape: tensor.shape) }
    }

    /// The values of an int32 or int64 constant (a shape, axis or permutation).
    func integers(_ index: Int, of op: TFLiteModel.Operator, _ number: Int, _ what: String) throws -> [Int] {
        guard index >= 0 else { throw fail(op, number, "lacks its \(what)") }
        let tensor = model.tensors[index]
        guard let values = tensor.integers else {
            let kind = tensor.type == TensorType.int32 || tensor.type == TensorType.int64
                ? (activations[index] != nil ? "computed while the model runs" : "not a constant") : "of type \(tensor.typeName)"
            throw fail(op, number, "needs a constant int32 \(what); '\(tensor.name)' is \(kind)")
        }
        return values
    }

    /// Where constant `index` lies in `constantValues` (stored on first use).
    mutating func offset(ofConstant index: Int) -> Int {
        if let offset = stored[index] { return offset }
        let offset = store(constant(index)!.values)
        stored[index] = offset
        return offset
    }

    /// Appends `values` to the constants, 16-float aligned; returns their offset.
    mutating func store(_ values: [Float]) -> Int {
        let offset = constantValues.count
        constantValues += values
        constantValues += [Float](repeating: 0, count: (16 - values.count % 16) % 16)
        return offset
    }

    // MARK: Outputs

    private mutating func allocate(_ tensor: Int, shape: [Int]) -> Activation {
        let slot = Activation(offset: scratchCount, shape: shape)
        activations[tensor] = slot
        scratchCount += (slot.count + 15) & ~15
        return slot
    }

    /// The operator's single output tensor, not yet written by anything.
    private func outputTensor(_ op: TFLiteModel.Operator, _ number: Int) throws -> Int {
        guard op.outputs.count == 1 else { throw fail(op, number, "has \(op.outputs.count) outputs; expected 1") }
        let index = op.outputs[0]
        // The file's check lets -1 ("no tensor") through, as optional inputs use it.
        guard index >= 0 else { throw fail(op, number, "has no output tensor (-1)") }
        guard activations[index] == nil, constant(index) == nil else {
            throw fail(op, number, "overwrites tensor '\(model.tensors[index].name)'")
        }
        return index
    }

    /// A new activation for the operator's output, which must hold `count`
    /// values (as a row vector when `rowVector`).
    mutating func output(_ op: TFLiteModel.Operator, _ number: Int, count: Int, rowVector: Bool = true) throws -> Activation {
        let index = try outputTensor(op, number)
        let shape = try activationShape(index)
        guard rowVector ? Self.rowLength(shape) == count : shape.reduce(1, *) == count else {
            throw fail(op, number, "computes \(count) values but its output '\(model.tensors[index].name)' has shape \(model.tensors[index].shape)")
        }
        return allocate(index, shape: shape)
    }

    /// The operator's output is `input` under another shape (no step runs).
    mutating func alias(_ op: TFLiteModel.Operator, _ number: Int, _ input: Activation, shape: [Int]) throws {
        let index = try outputTensor(op, number)
        let declared = try activationShape(index)
        guard declared == shape else {
            throw fail(op, number, "makes shape \(Self.describe(activation: shape)) but its output '\(model.tensors[index].name)' has shape \(model.tensors[index].shape)")
        }
        activations[index] = Activation(offset: input.offset, shape: shape)
    }

    /// The operator's output is a constant worked out now.
    mutating func fold(_ op: TFLiteModel.Operator, _ number: Int, _ constant: Constant) throws {
        let index = try outputTensor(op, number)
        let declared = model.tensors[index].shape
        guard TFLiteModel.elementCount(of: declared) == constant.values.count else {
            throw fail(op, number, "makes a constant of shape \(constant.shape) but its output '\(model.tensors[index].name)' has shape \(declared)")
        }
        folded[index] = constant
    }

    mutating func emit(_ step: InferencePlan.Step) { steps.append(step) }

    /// Every operator leaves one line for `info`, and counts its weights.
    mutating func note(_ summary: String, parameters added: Int = 0) {
        summaries.append(summary)
        parameters += added
    }
}
