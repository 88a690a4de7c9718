// The weights, biases and folded constants of an InferencePlan, in one block
// of memory (each 16-float aligned) that a plan and the plans cut from it
// (`droppingTrailingLinearMap`) share. Immutable after init; any thread reads.

final class PlanConstants: @unchecked Sendable {
    let values: UnsafeMutableBufferPointer<Float>

    init(_ packed: [Float]) {
        values = .allocate(capacity: max(packed.count, 1))
        values.initialize(repeating: 0)
        _ = values.initialize(from: packed)
    }

    deinit { values.deallocate() }
}
