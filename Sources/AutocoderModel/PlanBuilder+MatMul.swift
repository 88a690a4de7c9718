// BATCH_MATMUL of an activation by a float32 constant, as converters write a
// Keras Dot against a constant (the training notebook's `.fft.dec`): each
// batch row, a vector of K values, times the constant's K x N matrix. The
// constant is stored transposed, [N, K], so that it runs as a dense step
// (DenseKernel), like a FULLY_CONNECTED layer without bias. adj_x and adj_y
// are honoured. Build time only.

extension PlanBuilder {
    mutating func batchMatMul(_ op: TFLiteModel.Operator, _ number: Int) throws {
        guard op.inputs.count == 2 else { throw fail(op, number, "has \(op.inputs.count) inputs; expected 2") }
        let (xIndex, yIndex) = (op.inputs[0], op.inputs[1])
        guard let y = constant(yIndex) else {
            let what = constant(xIndex) != nil ? "multiplies a constant by an activation" : "multiplies two activations"
            throw fail(op, number, "\(what); only an activation times a constant is supported")
        }
        let x = try activation(xIndex, of: op, number)
        let adjoint = (op.adjointX ? " adj_x" : "") + (op.adjointY ? " adj_y" : "")

        // The first operand must be one row of K values per batch row: its
        // contracted dimension is not the batch, and every other is of size 1
        // (a rank-2 operand's rows are the batch itself).
        let rank = x.shape.count
        let contracted = op.adjointX ? rank - 2 : rank - 1
        guard rank >= 2, contracted >= 1, x.shape.indices.allSatisfy({ $0 == 0 || $0 == contracted || x.shape[$0] == 1 }) else {
            throw fail(op, number, "multiplies an activation of shape \(Self.describe(activation: x.shape))\(adjoint) that is not one row per batch row")
        }
        let k = x.shape[contracted]

        // The constant: a K x N matrix (N x K with adj_y), broadcast over the batch.
        let yRank = y.shape.count
        guard yRank >= 2, y.shape.dropLast(2).allSatisfy({ $0 == 1 }) else {
            throw fail(op, number, "has a constant '\(model.tensors[yIndex].name)' of shape \(y.shape); only one matrix (leading dimensions of size 1) is supported")
        }
        let (rows, columns) = (y.shape[yRank - 2], y.shape[yRank - 1])
        let (inner, n) = op.adjointY ? (columns, rows) : (rows, columns)
        guard inner == k else {
            throw fail(op, number, "multiplies \(k) values by a constant '\(model.tensors[yIndex].name)' of shape \(y.shape)\(adjoint)")
        }
        let weights = op.adjointY ? y.values : Self.transposed(y.values, shape: [rows, columns], permutation: [1, 0])
        let weightsOffset = store(weights)
        let out = try output(op, number, count: n)
        emit(.dense(input: x.offset, weights: weightsOffset, bias: nil, output: out.offset, inputs: k, outputs: n, relu: false))
        note("BATCH_MATMUL \(k) -> \(n) by constant '\(model.tensors[yIndex].name)' \(y.shape)\(adjoint)", parameters: k * n)
    }
}
