// Shape operators: EXPAND_DIMS, RESHAPE, SQUEEZE and TRANSPOSE.
//
// On an activation they leave each batch row's values where they are and
// only give them a new shape, so they cost nothing at run time; anything
// that would move values across the batch (a new first dimension, a shape
// without the batch first, a transpose that reorders values) is refused. On
// a constant they are worked out now and the result is a constant.
// Their shape, axis and permutation operands must be int32 (or int64)
// constants. Build time only.

extension PlanBuilder {
    mutating func expandDims(_ op: TFLiteModel.Operator, _ number: Int) throws {
        guard op.inputs.count == 2 else { throw fail(op, number, "has \(op.inputs.count) inputs; expected 2") }
        let axis = try integers(op.inputs[1], of: op, number, "axis")
        guard axis.count == 1 else { throw fail(op, number, "has an axis of \(axis.count) values; expected 1") }
        if let value = constant(op.inputs[0]) {
            let at = try normalised(axis[0], rank: value.shape.count + 1, op, number)
            var shape = value.shape
            shape.insert(1, at: at)
            try fold(op, number, Constant(values: value.values, shape: shape))
            note("EXPAND_DIMS of constant '\(model.tensors[op.inputs[0]].name)' \(value.shape) -> \(shape) (folded)")
            return
        }
        let x = try activation(op.inputs[0], of: op, number)
        let at = try normalised(axis[0], rank: x.shape.count + 1, op, number)
        guard at >= 1 else { throw fail(op, number, "puts a dimension before the batch (axis \(axis[0]))") }
        var shape = x.shape
        shape.insert(1, at: at)
        try alias(op, number, x, shape: shape)
        note("EXPAND_DIMS axis \(at): \(Self.describe(activation: x.shape)) -> \(Self.describe(activation: shape)) (shape only)")
    }

    mutating func reshape(_ op: TFLiteModel.Operator, _ number: Int) throws {
        guard (1...2).contains(op.inputs.count), op.outputs.count == 1 else {
            throw fail(op, number, "has \(op.inputs.count) inputs and \(op.outputs.count) outputs; expected 1 or 2 and 1")
        }
        // The shape operand when there is one, else the options', else the output's own.
        let requested: [Int]
        if op.inputs.count == 2, op.inputs[1] >= 0 {
            requested = try integers(op.inputs[1], of: op, number, "shape")
        } else if let newShape = op.newShape {
            requested = newShape
        } else {
            guard let output = op.outputs.first, output >= 0 else { throw fail(op, number, "has no output tensor") }
            let result = model.tensors[output]
            requested = result.shapeSignature ?? result.shape
        }
        guard requested.allSatisfy({ $0 == -1 || $0 >= 1 }), requested.count(where: { $0 == -1 }) <= 1 else {
            throw fail(op, number, "has a shape \(requested) it cannot mean (dimensions must be positive, at most one -1)")
        }
        if let value = constant(op.inputs[0]) {
            let shape = try resolved(requested, count: value.values.count, op, number)
            try fold(op, number, Constant(values: value.values, shape: shape))
            note("RESHAPE of constant '\(model.tensors[op.inputs[0]].name)' \(value.shape) -> \(shape) (folded)")
            return
        }
        let x = try activation(op.inputs[0], of: op, number)
        guard requested.count >= 2, requested[0] == -1 || requested[0] == 1 else {
            throw fail(op, number, "reshapes \(Self.describe(activation: x.shape)) to \(requested), which does not keep the batch as the first dimension")
        }
        let row = try resolved(Array(requested.dropFirst()), count: x.count, op, number)
        let shape = [1] + row
        try alias(op, number, x, shape: shape)
        note("RESHAPE \(Self.describe(activation: x.shape)) -> \(Self.describe(activation: shape)) (shape only)")
    }

    mutating func squeeze(_ op: TFLiteModel.Operator, _ number: Int) throws {
        guard op.inputs.count == 1 else { throw fail(op, number, "has \(op.inputs.count) inputs; expected 1") }
        let value = constant(op.inputs[0])
        let x = value == nil ? try activation(op.inputs[0], of: op, number) : nil
        let shape = value?.shape ?? x!.shape
        // Without dimensions, every dimension of size 1 goes (but never an activation's batch).
        let first = x == nil ? 0 : 1
        var removed = Set(try op.squeezeDimensions.map { try normalised($0, rank: shape.count, op, number) })
        if op.squeezeDimensions.isEmpty { removed = Set(shape.indices.filter { $0 >= first && shape[$0] == 1 }) }
        if x != nil, removed.contains(0) { throw fail(op, number, "removes the batch dimension") }
        if let wide = removed.sorted().first(where: { shape[$0] != 1 }) {
            throw fail(op, number, "removes dimension \(wide) of shape \(shape), which is not of size 1")
        }
        let squeezed = shape.indices.filter { !removed.contains($0) }.map { shape[$0] }
        if let value {
            try fold(op, number, Constant(values: value.values, shape: squeezed))
            note("SQUEEZE of constant '\(model.tensors[op.inputs[0]].name)' \(shape) -> \(squeezed) (folded)")
        } else {
            try alias(op, number, x!, shape: squeezed)
            note("SQUEEZE \(Self.describe(activation: shape)) -> \(Self.describe(activation: squeezed)) (shape only)")
        }
    }

    mutating func transpose(_ op: TFLiteModel.Operator, _ number: Int) throws {
        guard op.inputs.count == 2 else { throw fail(op, number, "has \(op.inputs.count) inputs; expected 2") }
        let permutation = try integers(op.inputs[1], of: op, number, "permutation")
        let value = constant(op.inputs[0])
        let x = value == nil ? try activation(op.inputs[0], of: op, number) : nil
        let shape = value?.shape ?? x!.shape
        guard permutation.sorted() == Array(shape.indices) else {
            throw fail(op, number, "has a permutation \(permutation) that does not fit shape \(shape)")
        }
        let permuted = permutation.map { shape[$0] }
        if let value {
            try fold(op, number, Constant(values: Self.transposed(value.values, shape: shape, permutation: permutation), shape: permuted))
            note("TRANSPOSE of constant '\(model.tensors[op.inputs[0]].name)' \(shape) -> \(permuted) (folded)")
            return
        }
        // Moving dimensions of size 1 leaves the values in order; anything else would reorder them.
        let order = permutation.filter { shape[$0] != 1 }
        guard permutation[0] == 0, order == order.sorted() else {
            throw fail(op, number, "reorders the values of an activation of shape \(Self.describe(activation: shape)) (permutation \(permutation)); only moving dimensions of size 1 is supported")
        }
        try alias(op, number, x!, shape: permuted)
        note("TRANSPOSE \(Self.describe(activation: shape)) -> \(Self.describe(activation: permuted)) (shape only)")
    }

    /// An axis (negative counts from the end) as an index in 0 ..< rank.
    private func normalised(_ axis: Int, rank: Int, _ op: TFLiteModel.Operator, _ number: Int) throws -> Int {
        let at = axis < 0 ? axis + rank : axis
        guard (0..<rank).contains(at) else { throw fail(op, number, "has axis \(axis) for a result of rank \(rank)") }
        return at
    }

    /// `requested` with its -1 worked out so that it holds `count` values.
    private func resolved(_ requested: [Int], count: Int, _ op: TFLiteModel.Operator, _ number: Int) throws -> [Int] {
        let known = requested.filter { $0 != -1 }.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        let shape = requested.map { $0 == -1 ? (known > 0 && count % known == 0 ? count / known : 0) : $0 }
        guard TFLiteModel.elementCount(of: shape) == count, !shape.contains(0) else {
            throw fail(op, number, "reshapes \(count) values to \(requested)")
        }
        return shape
    }

    /// `values` of `shape` with their dimensions reordered: result dimension d is input dimension permutation[d].
    static func transposed(_ values: [Float], shape: [Int], permutation: [Int]) -> [Float] {
        let rank = shape.count
        var strides = [Int](repeating: 1, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * shape[d + 1] }
        let outShape = permutation.map { shape[$0] }
        let outStrides = permutation.map { strides[$0] }
        var result = [Float](repeating: 0, count: values.count)
        var index = [Int](repeating: 0, count: rank)
        var source = 0
        for target in 0..<values.count {
            result[target] = values[source]
            // Step the output's multi-index, last dimension fastest, and follow it in the input.
            var d = rank - 1
            while d >= 0 {
                index[d] += 1
                source += outStrides[d]
                if index[d] < outShape[d] { break }
                source -= outStrides[d] * outShape[d]
                index[d] = 0
                d -= 1
            }
        }
        return result
    }
}
