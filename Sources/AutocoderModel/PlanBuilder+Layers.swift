// The dense and elementwise operators of a plan: FULLY_CONNECTED (fused NONE
// or RELU, bias optional, weights [out, in]), LOGISTIC, RELU, EXP, and ADD/MUL
// with a scalar, per-feature or same-shape operand. Build time only.

extension PlanBuilder {
    mutating func fullyConnected(_ op: TFLiteModel.Operator, _ number: Int) throws {
        guard op.inputs.count >= 2 else { throw fail(op, number, "has \(op.inputs.count) inputs") }
        guard op.weightsFormat == 0 else {
            throw fail(op, number, "uses a shuffled weights format; only DEFAULT is supported")
        }
        let x = try activation(op.inputs[0], of: op, number)
        let weightsIndex = op.inputs[1]
        guard let weights = constant(weightsIndex) else {
            let name = weightsIndex >= 0 ? "'\(model.tensors[weightsIndex].name)' (\(model.tensors[weightsIndex].typeName))" : "none"
            throw fail(op, number, "needs constant float32 weights; got \(name)")
        }
        let shape = weights.shape
        // TensorFlow Lite runs every row of `columns` values of the input through
        // the layer: one row per batch row is what a plan runs.
        guard shape.count == 2, shape[1] == x.count, x.shape.last == x.count else {
            throw fail(op, number, "has weights of shape \(shape) for an input of shape \(PlanBuilder.describe(activation: x.shape))")
        }
        var bias: Int?
        if op.inputs.count > 2, op.inputs[2] >= 0 {
            let biasIndex = op.inputs[2]
            guard let values = constant(biasIndex), values.values.count == shape[0] else {
                throw fail(op, number, "has a bias '\(model.tensors[biasIndex].name)' of shape \(model.tensors[biasIndex].shape) for \(shape[0]) outputs")
            }
            bias = offset(ofConstant: biasIndex)
        }
        let relu = try fusedReLU(op, number)
        let weightsOffset = offset(ofConstant: weightsIndex)
        let y = try output(op, number, count: shape[0])
        emit(.dense(input: x.offset, weights: weightsOffset, bias: bias, output: y.offset, inputs: shape[1], outputs: shape[0], relu: relu))
        note("FULLY_CONNECTED \(shape[1]) -> \(shape[0])\(relu ? " RELU" : "")\(bias == nil ? " (no bias)" : "")",
             parameters: shape[0] * shape[1] + (bias == nil ? 0 : shape[0]))
    }

    mutating func elementwise(_ op: TFLiteModel.Operator, _ number: Int) throws {
        guard op.inputs.count == 1 else { throw fail(op, number, "has \(op.inputs.count) inputs") }
        let x = try activation(op.inputs[0], of: op, number)
        let y = try output(op, number, count: x.count, rowVector: false)
        switch op.name {
        case "LOGISTIC": emit(.logistic(input: x.offset, output: y.offset, count: x.count))
        case "RELU": emit(.relu(input: x.offset, output: y.offset, count: x.count))
        default: emit(.exp(input: x.offset, output: y.offset, count: x.count))
        }
        note("\(op.name) \(x.count)")
    }

    mutating func combination(_ op: TFLiteModel.Operator, _ number: Int) throws {
        guard op.inputs.count == 2 else { throw fail(op, number, "has \(op.inputs.count) inputs") }
        let (a, aCount) = try operand(op.inputs[0], of: op, number)
        let (b, bCount) = try operand(op.inputs[1], of: op, number)
        let count = max(aCount, bCount)
        let activationCount = [(a, aCount), (b, bCount)].compactMap { operand, count -> Int? in
            if case .activation = operand { return count } else { return nil }
        }
        guard !activationCount.isEmpty else { throw fail(op, number, "has two constant operands") }
        guard aCount == count || aCount == 1, bCount == count || bCount == 1, activationCount.allSatisfy({ $0 == count }) else {
            throw fail(op, number, "cannot combine operands of \(aCount) and \(bCount) values")
        }
        let relu = try fusedReLU(op, number)
        let y = try output(op, number, count: count)
        emit(op.name == "ADD" ? .add(a, b, output: y.offset, count: count, relu: relu) : .mul(a, b, output: y.offset, count: count, relu: relu))
        note("\(op.name) \(aCount) \(op.name == "ADD" ? "+" : "*") \(bCount)\(relu ? " RELU" : "")")
    }

    /// An ADD/MUL operand: a row vector activation, or a scalar or per-feature
    /// constant (broadcast the way TensorFlow Lite broadcasts it over a row).
    private mutating func operand(_ index: Int, of op: TFLiteModel.Operator, _ number: Int) throws -> (InferencePlan.Operand, count: Int) {
        if index >= 0, model.tensors[index].type != TensorType.float32 {
            throw fail("tensor '\(model.tensors[index].name)' has type \(model.tensors[index].typeName); only FLOAT32 models are supported")
        }
        if let values = constant(index) {
            let count = values.values.count
            guard count == 1 || PlanBuilder.rowLength(values.shape) == count else {
                throw fail(op, number, "has a constant operand '\(model.tensors[index].name)' of shape \(values.shape); only a scalar or one value per feature is supported")
            }
            return (.constant(offset: offset(ofConstant: index), count: count), count)
        }
        let slot = try activation(index, of: op, number)
        guard PlanBuilder.rowLength(slot.shape) == slot.count else {
            throw fail(op, number, "combines an activation of shape \(PlanBuilder.describe(activation: slot.shape)); only [batch, features] is supported")
        }
        return (.activation(offset: slot.offset), slot.count)
    }

    private func fusedReLU(_ op: TFLiteModel.Operator, _ number: Int) throws -> Bool {
        switch op.fusedActivation {
        case 0: return false
        case 1: return true
        default:
            let name = TFLiteNames.name(TFLiteNames.activations, op.fusedActivation)
            throw fail(op, number, "has fused activation \(name); only NONE and RELU are supported")
        }
    }
}
