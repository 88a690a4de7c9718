// The real-time batched path (`Decoder.decode(batch:latents:into:scratch:)`,
// `InferencePlan.run(batch:inputs:scratch:)`) with every batch kernel this CPU
// runs: each row equals the single-vector decode of it (the portable kernel
// exactly, AVX2/FMA within 1e-5 relative), the fixture rows equal
// TensorFlow's references, every step kind runs batched (dense, LOGISTIC,
// BATCH_MATMUL and the shape-only steps of `.fft.dec`; MUL, EXP, ADD of the
// encoders), nothing is written outside the stated scratch and outputs, and
// the kernels equal `matrixVector` on awkward sizes and keep a NaN to its own
// vector. That it allocates nothing is counted by the render-allocation probe
// under malloc-interposer (BatchedDecodeProbe, checked by
// ServerTests.theRenderThreadNeverAllocates).

@testable import AutocoderModel
import Testing

@Suite struct BatchedDecodeTests {
    static let batches = [1, 3, 8, 17, 64, 256]
    static let kernels = [BatchKernel.portable, .avx2FMA].filter(\.isAvailable)
    static let fftNames = ["fft-tf28-full-shallow", "fft-tf25-tiny-shallow", "fft-tf28-tiny-shallow", "fft-tf215-tiny-shallow"]
    /// What the scratch and output canaries hold.
    static let canary: Float = -12345.5
    static let canaryCount = 64

    /// The largest |ours - single| / |single| (|single| below 1e-6 counts as 1e-6).
    static func relativeDifference(_ ours: ArraySlice<Float>, _ single: ArraySlice<Float>) -> Float {
        zip(ours, single).map { abs($0 - $1) / max(abs($1), 1e-6) }.max() ?? 0
    }

    /// `batch` rows of latent values: the fixture's rows first, then deterministic values in [0,1].
    static func latents(_ fixture: [Float], width: Int, batch: Int) -> [Float] {
        var state: UInt32 = 2_463_534_242
        return (0..<batch * width).map { i in
            if i < fixture.count { return fixture[i] }
            state ^= state << 13; state ^= state >> 17; state ^= state << 5
            return Float(state >> 8) / Float((1 << 24) - 1)
        }
    }

    /// Decodes `latents` as one batch through `decoder` with `kernel`, checking the canaries after
    /// the scratch and the outputs; returns the outputs.
    static func batchDecode(_ decoder: Decoder, kernel: BatchKernel, latents: [Float], batch: Int) -> [Float] {
        let batched = Decoder(sharing: decoder, plan: decoder.plan.running(batchesWith: kernel), layout: decoder.layout)
        let scratchCount = batched.batchScratchCount(batch: batch)
        let outputCount = batch * decoder.outputCount
        var scratch = [Float](repeating: canary, count: scratchCount + canaryCount)
        var outputs = [Float](repeating: canary, count: outputCount + canaryCount)
        latents.withUnsafeBufferPointer { latents in
            scratch.withUnsafeMutableBufferPointer { scratch in
                outputs.withUnsafeMutableBufferPointer { outputs in
                    batched.decode(batch: batch, latents: latents.baseAddress!, into: outputs.baseAddress!, scratch: scratch.baseAddress!)
                }
            }
        }
        #expect(scratch[scratchCount...].allSatisfy { $0 == canary }, "\(decoder.path) \(kernel) B = \(batch): wrote past its scratch")
        #expect(outputs[outputCount...].allSatisfy { $0 == canary }, "\(decoder.path) \(kernel) B = \(batch): wrote past its outputs")
        return Array(outputs[..<outputCount])
    }

    /// Every batch size and kernel against single-vector decode row by row; the fixture rows
    /// against the reference with `withinReference`.
    static func checkBatches(_ decoder: Decoder, fixture: [Float], reference: [Float],
                             withinReference: ([Float], [Float]) -> Bool) {
        let (width, outWidth) = (decoder.latentCount, decoder.outputCount)
        for batch in batches {
            let latents = latents(fixture, width: width, batch: batch)
            let single = (0..<batch).flatMap { decoder.decode(Array(latents[$0 * width..<($0 + 1) * width])) }
            for kernel in kernels {
                let ours = batchDecode(decoder, kernel: kernel, latents: latents, batch: batch)
                let rows = (0..<batch).map { n in n * outWidth..<(n + 1) * outWidth }
                if kernel == .portable {
                    let unequal = rows.indices.filter { ours[rows[$0]] != single[rows[$0]] }
                    #expect(unequal.isEmpty, "\(decoder.path) \(kernel) B = \(batch): rows \(unequal) differ from single decode")
                } else {
                    let worst = rows.map { relativeDifference(ours[$0], single[$0]) }.max()!
                    #expect(worst <= 1e-5, "\(decoder.path) \(kernel) B = \(batch): \(worst) relative to single decode")
                }
                let checked = min(batch, reference.count / outWidth) * outWidth
                let matchesReference = withinReference(Array(ours[..<checked]), Array(reference[..<checked]))
                #expect(matchesReference, "\(decoder.path) \(kernel) B = \(batch) against the reference")
            }
        }
    }

    @Test(arguments: Fixtures.modelNames)
    func decDecoderBatchesEqualSingleDecodeAndTensorFlow(name: String) throws {
        let decoder = try #require(try ModelBundle(anchor: Fixtures.models + "/" + name, parts: [.decoder]).decoder)
        let latents = try Fixtures.array(name + ".latents.npy").floats
        let reference = try Fixtures.array(name + ".decoded.npy").floats
        Self.checkBatches(decoder, fixture: latents, reference: reference) {
            maxAbsoluteDifference($0, $1) <= ReferenceModelTests.tolerance
        }
    }

    @Test(arguments: fftNames)
    func fftDecoderBatchesEqualSingleDecodeAndTheInterpreter(name: String) throws {
        let anchor = Fixtures.models + "/" + name
        let bundle = try ModelBundle(anchor: anchor, parts: ModelBundle.parts(of: anchor))
        let decoder = try #require(bundle.fftDecoder)
        let latents = try Fixtures.array(name + ".latents.npy").floats
        Self.checkBatches(decoder, fixture: latents, reference: try Fixtures.array(name + ".decoded.npy").floats,
                          withinReference: FFTDecoderFixtureTests.withinBound)
        // The plan cut before the matrix (what synthesis runs), against the decoder alone.
        let melPart = try #require(bundle.synthesis?.decoder)
        #expect(melPart !== decoder)
        Self.checkBatches(melPart, fixture: latents, reference: try Fixtures.array(name + ".mel.npy").floats,
                          withinReference: FFTDecoderFixtureTests.withinBound)
    }

    @Test(arguments: kernels)
    func aBatchOfZeroWritesNothing(kernel: BatchKernel) throws {
        let decoder = try #require(try ModelBundle(anchor: Fixtures.models + "/new-tiny-deep", parts: [.decoder]).decoder)
        #expect(decoder.batchScratchCount(batch: 0) == 0)
        #expect(Self.batchDecode(decoder, kernel: kernel, latents: [Float](repeating: 0.5, count: decoder.latentCount), batch: 0).isEmpty)
    }

    /// The encoders' graphs add MUL, EXP and ADD steps (z = mean + exp(log_var / 2) * ε) to the dense ones.
    @Test(arguments: ["new-tiny-shallow", "new-tiny-deep", "new-full-shallow"])
    func encoderPlanBatchesEqualSingleRuns(name: String) throws {
        let encoder = try #require(try ModelBundle(anchor: Fixtures.models + "/" + name, parts: [.encoder]).encoder)
        let frames = try Fixtures.array(name + ".frames.npy")
        let width = frames.shape[1]
        for kernel in Self.kernels {
            let plan = encoder.plan.running(batchesWith: kernel)
            for batch in [3, 17] {
                let inputs = (0..<batch).flatMap { Array(frames.floats[($0 % frames.shape[0]) * width..<($0 % frames.shape[0] + 1) * width]) }
                var scratch = [Float](repeating: Self.canary, count: plan.scratchCount(batch: batch))
                var single = [Float](repeating: 0, count: plan.scratchCount)
                scratch.withUnsafeMutableBufferPointer { scratch in
                    inputs.withUnsafeBufferPointer { plan.run(batch: batch, inputs: $0.baseAddress!, scratch: scratch.baseAddress!) }
                    single.withUnsafeMutableBufferPointer { single in
                        for n in 0..<batch {
                            inputs.withUnsafeBufferPointer { plan.run(input: $0.baseAddress! + n * width, scratch: single.baseAddress!) }
                            for (k, count) in plan.outputCounts.enumerated() {
                                let ours = Array(UnsafeBufferPointer(start: plan.output(k, batch: batch, scratch: scratch.baseAddress!) + n * count, count: count))
                                let theirs = Array(UnsafeBufferPointer(start: plan.output(k, scratch: single.baseAddress!), count: count))
                                let difference = maxAbsoluteDifference(ours, theirs)
                                // Linear outputs cross zero, so the bound scales with the row's largest value.
                                let bound = kernel == .portable ? 0 : 1e-5 * (theirs.map(abs).max() ?? 0)
                                #expect(difference <= bound, "\(name) \(kernel) B = \(batch), row \(n), output \(k)")
                            }
                        }
                    }
                }
            }
        }
    }

    /// Random weights, inputs and bias in [-1, 1).
    struct Problem {
        let rows: Int, columns: Int, batch: Int
        let weights: [Float], inputs: [Float], bias: [Float]

        init(rows: Int, columns: Int, batch: Int, seed: UInt32) {
            (self.rows, self.columns, self.batch) = (rows, columns, batch)
            var state = seed | 1
            func next() -> Float {
                state ^= state << 13; state ^= state >> 17; state ^= state << 5
                return Float(state >> 8) / Float(1 << 23) - 1
            }
            weights = (0..<rows * columns).map { _ in next() }
            inputs = (0..<batch * columns).map { _ in next() }
            bias = (0..<rows).map { _ in next() }
        }

        /// `matrixVector` vector by vector, and `kernel` on the whole batch.
        func run(_ kernel: BatchKernel, inputs: [Float]? = nil, bias useBias: Bool, relu: Bool) -> (single: [Float], batched: [Float]) {
            let inputs = inputs ?? self.inputs
            var single = [Float](repeating: 0, count: batch * rows)
            var batched = [Float](repeating: BatchedDecodeTests.canary, count: batch * rows)
            weights.withUnsafeBufferPointer { w in
                inputs.withUnsafeBufferPointer { x in
                    bias.withUnsafeBufferPointer { b in
                        let b = useBias ? b.baseAddress : nil
                        single.withUnsafeMutableBufferPointer { y in
                            for n in 0..<batch {
                                DenseKernel.matrixVector(weights: w.baseAddress!, rows: rows, columns: columns, input: x.baseAddress! + n * columns,
                                                         bias: b, output: y.baseAddress! + n * rows, relu: relu)
                            }
                        }
                        batched.withUnsafeMutableBufferPointer { y in
                            DenseKernel.matrixMatrixSmallBatch(kernel, weights: w.baseAddress!, rows: rows, columns: columns, inputs: x.baseAddress!,
                                                               batch: batch, bias: b, outputs: y.baseAddress!, relu: relu)
                        }
                    }
                }
            }
            return (single, batched)
        }

        /// The sum of |w x| (and |b|) behind output `r` of vector `n`: the scale of its rounding.
        func magnitude(row r: Int, vector n: Int) -> Float {
            (0..<columns).reduce(abs(bias[r])) { $0 + abs(weights[r * columns + $1] * inputs[n * columns + $1]) }
        }
    }

    /// Row and column counts around every tile and lane edge, batches around
    /// the tiles' widths and the 60-vector chunks.
    @Test(arguments: kernels)
    func kernelEqualsMatrixVectorOnAwkwardSizes(kernel: BatchKernel) {
        var seed: UInt32 = 1
        for rows in [1, 2, 3, 4, 5, 7, 9, 13] {
            for columns in [1, 3, 8, 12, 17, 40] {
                for batch in [1, 2, 3, 4, 5, 7, 61, 122] {
                    seed &+= 7919
                    let problem = Problem(rows: rows, columns: columns, batch: batch, seed: seed)
                    for (bias, relu) in [(false, false), (true, false), (false, true), (true, true)] {
                        let (single, batched) = problem.run(kernel, bias: bias, relu: relu)
                        let label = "\(kernel): \(rows) x \(columns), B = \(batch), bias \(bias), relu \(relu)"
                        if kernel == .portable {
                            let equal = batched == single
                            #expect(equal, "\(label)")
                        } else {
                            let worst = (0..<batch * rows).map { i in
                                abs(batched[i] - single[i]) / max(problem.magnitude(row: i % rows, vector: i / rows), 1e-30)
                            }.max()!
                            #expect(worst <= 1e-5, "\(label): \(worst) of the terms' magnitude")
                        }
                    }
                }
            }
        }
    }

    /// A NaN in one vector's input makes that vector's outputs NaN (also
    /// through the fused ReLU, so the engine sees it) and leaves its tile
    /// neighbours as they were.
    @Test(arguments: kernels)
    func aNaNStaysInItsOwnVector(kernel: BatchKernel) {
        let problem = Problem(rows: 9, columns: 17, batch: 7, seed: 99)
        for poisoned in 0..<problem.batch {
            var inputs = problem.inputs
            inputs[poisoned * problem.columns + 5] = .nan
            let (_, batched) = problem.run(kernel, inputs: inputs, bias: true, relu: true)
            let (_, clean) = problem.run(kernel, bias: true, relu: true)
            for n in 0..<problem.batch {
                let row = n * problem.rows..<(n + 1) * problem.rows
                let expected = n == poisoned ? batched[row].allSatisfy { $0.isNaN } : batched[row] == clean[row]
                #expect(expected, "\(kernel): vector \(n) with vector \(poisoned) poisoned")
            }
        }
    }
}
