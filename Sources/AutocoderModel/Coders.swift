// Decoder and encoder: an inference plan plus the `.mm` latent scaling.
//
// Threading: each instance owns scratch memory, so one instance is used by one
// thread at a time (the engine hands a decoder to the audio thread and does not
// touch it from elsewhere). `decode(_:into:)` is real-time safe: it neither
// allocates nor locks. `decode(batch:latents:into:scratch:)` is real-time safe
// too and works in the caller's scratch only, so any number of threads may
// use it on one decoder at once. The array-returning methods allocate.

/// latent values in [0,1] -> model output (mel frame, or spectrum for `.fft.dec`).
public final class Decoder: @unchecked Sendable {
    public let plan: InferencePlan
    public let path: String
    /// What the output values stand for.
    public let layout: FrameLayout
    public var latentCount: Int { plan.inputCount }
    public var outputCount: Int { plan.outputCounts[0] }

    private let scaleMult: UnsafeMutableBufferPointer<Float>
    private let scaleSubtract: UnsafeMutableBufferPointer<Float>
    private let modelInput: UnsafeMutableBufferPointer<Float>
    private let scratch: UnsafeMutableBufferPointer<Float>

    /// A decoder of `plan`, whose output is mel bands unless `linearSpectrum`
    /// (a `.fft.dec`: linear-frequency magnitudes).
    public convenience init(plan: InferencePlan, metadata: ModelMetadata, path: String, linearSpectrum: Bool = false) throws {
        guard plan.inputCount == metadata.encodedDim else {
            throw ModelFileError(path: path, problem: "the decoder takes \(plan.inputCount) latent values but the .mm file says encoded_dim \(metadata.encodedDim)")
        }
        guard plan.outputCounts.count == 1 else {
            throw ModelFileError(path: path, problem: "a decoder has one output; this graph has \(plan.outputCounts.count)")
        }
        let count = plan.outputCounts[0]
        self.init(plan: plan, scaleMult: metadata.scaleMult.map { Float($0) }, scaleSubtract: metadata.scaleSubtract.map { Float($0) },
                  path: path, layout: linearSpectrum ? .linear(bins: count) : .mel(bands: count))
    }

    /// Another decoder over the same (shared, immutable) plan with its own scratch
    /// memory, for another thread.
    public convenience init(sharing other: Decoder) {
        self.init(sharing: other, plan: other.plan, layout: other.layout)
    }

    /// A decoder with `other`'s latent scaling over another plan (one cut from
    /// `other`'s), whose output is `layout`.
    public convenience init(sharing other: Decoder, plan: InferencePlan, layout: FrameLayout) {
        precondition(plan.inputCount == other.latentCount && plan.outputCounts.count == 1 && plan.outputCounts[0] == layout.count,
                     "the plan does not fit")
        self.init(plan: plan, scaleMult: Array(other.scaleMult), scaleSubtract: Array(other.scaleSubtract), path: other.path, layout: layout)
    }

    private init(plan: InferencePlan, scaleMult: [Float], scaleSubtract: [Float], path: String, layout: FrameLayout) {
        self.plan = plan
        self.path = path
        self.layout = layout
        self.scaleMult = .allocate(capacity: plan.inputCount)
        _ = self.scaleMult.initialize(from: scaleMult)
        self.scaleSubtract = .allocate(capacity: plan.inputCount)
        _ = self.scaleSubtract.initialize(from: scaleSubtract)
        modelInput = .allocate(capacity: plan.inputCount)
        modelInput.initialize(repeating: 0)
        scratch = .allocate(capacity: plan.scratchCount)
        scratch.initialize(repeating: 0)
    }

    deinit {
        scaleMult.deallocate()
        scaleSubtract.deallocate()
        modelInput.deallocate()
        scratch.deallocate()
    }

    /// Decodes `latentCount` values at `latent` into `outputCount` values at `output`.
    /// Real-time safe.
    @inline(__always)
    public func decode(_ latent: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>) {
        for i in 0..<latentCount {
            modelInput[i] = latent[i] * scaleMult[i] + scaleSubtract[i]
        }
        plan.run(input: modelInput.baseAddress!, scratch: scratch.baseAddress!)
        output.update(from: plan.output(0, scratch: scratch.baseAddress!), count: outputCount)
    }

    /// Floats of scratch memory `decode(batch:latents:into:scratch:)` needs for `batch` vectors.
    public func batchScratchCount(batch: Int) -> Int {
        plan.scratchCount(batch: batch) + batch * latentCount
    }

    /// Decodes `batch` vectors: `latents` holds `batch` rows of `latentCount`
    /// values in [0,1], `outputs` receives `batch` rows of `outputCount`;
    /// `scratch` holds `batchScratchCount(batch:)` floats. Each row equals
    /// `decode(_:into:)` of it (within float rounding), and each weight is read
    /// once for several rows. Real-time safe: no allocation, no locks, no BLAS.
    @inline(__always)
    public func decode(batch: Int, latents: UnsafePointer<Float>, into outputs: UnsafeMutablePointer<Float>,
                       scratch: UnsafeMutablePointer<Float>) {
        // The scaled latents go after the plan's scratch.
        let scaled = scratch + plan.scratchCount(batch: batch)
        for n in 0..<batch {
            for i in 0..<latentCount {
                scaled[n * latentCount + i] = latents[n * latentCount + i] * scaleMult[i] + scaleSubtract[i]
            }
        }
        plan.run(batch: batch, inputs: scaled, scratch: scratch)
        outputs.update(from: plan.output(0, batch: batch, scratch: scratch), count: batch * outputCount)
    }

    public func decode(_ latent: [Float]) -> [Float] {
        precondition(latent.count == latentCount, "expected \(latentCount) latent values")
        return [Float](unsafeUninitializedCapacity: outputCount) { buffer, count in
            latent.withUnsafeBufferPointer { decode($0.baseAddress!, into: buffer.baseAddress!) }
            count = outputCount
        }
    }

    /// Decodes `latents.count / latentCount` vectors stored row after row.
    /// Allocates and calls BLAS; for offline use.
    public func decode(batch latents: [Float]) -> [Float] {
        precondition(latents.count % latentCount == 0, "expected rows of \(latentCount) latent values")
        let rows = latents.count / latentCount
        var scaled = latents
        for n in 0..<rows {
            for i in 0..<latentCount { scaled[n * latentCount + i] = latents[n * latentCount + i] * scaleMult[i] + scaleSubtract[i] }
        }
        return plan.run(batch: rows, inputs: scaled)[0]
    }
}

/// mel frame -> latent values, scaled so the training set spans [0,1] per dimension.
public final class Encoder: @unchecked Sendable {
    public let plan: InferencePlan
    public let path: String
    public var inputCount: Int { plan.inputCount }
    public var latentCount: Int { plan.outputCounts[0] }
    private let metadata: ModelMetadata
    /// Scratch of the single-frame path, `encode(_:into:)`.
    private let scratch: UnsafeMutableBufferPointer<Float>

    public init(plan: InferencePlan, metadata: ModelMetadata, path: String) throws {
        guard plan.inputCount == metadata.inputDim else {
            throw ModelFileError(path: path, problem: "the encoder takes \(plan.inputCount) values but the .mm file says input_dim \(metadata.inputDim)")
        }
        guard plan.outputCounts[0] == metadata.encodedDim else {
            throw ModelFileError(path: path, problem: "the encoder's first output (z_mean) has \(plan.outputCounts[0]) values but the .mm file says encoded_dim \(metadata.encodedDim)")
        }
        self.plan = plan
        self.path = path
        self.metadata = metadata
        scratch = .allocate(capacity: plan.scratchCount)
        scratch.initialize(repeating: 0)
    }

    /// Another encoder over the same (shared, immutable) plan with its own scratch
    /// memory, for another thread.
    public convenience init(sharing other: Encoder) {
        try! self.init(plan: other.plan, metadata: other.metadata, path: other.path)
    }

    deinit { scratch.deallocate() }

    /// Encodes the `inputCount` values at `frame` into `latentCount` scaled values
    /// at `latent` (as `encode(_:)`). Real-time safe.
    @inline(__always)
    public func encode(_ frame: UnsafePointer<Float>, into latent: UnsafeMutablePointer<Float>) {
        plan.run(input: frame, scratch: scratch.baseAddress!)
        let zMean = plan.output(0, scratch: scratch.baseAddress!)
        metadata.scaleMult.withUnsafeBufferPointer { mult in
            metadata.scaleSubtract.withUnsafeBufferPointer { subtract in
                for d in 0..<latentCount {
                    latent[d] = mult[d] == 0 ? 0 : Float((Double(zMean[d]) - subtract[d]) / mult[d])
                }
            }
        }
    }

    /// Every output in Keras order (z_mean, z_log_var, z), in model units.
    public func outputs(_ frame: [Float]) -> [[Float]] {
        precondition(frame.count == inputCount, "expected \(inputCount) input values")
        return plan.run(batch: 1, inputs: frame)
    }

    /// `(z_mean - scale_subtract) / scale_mult` per dimension. Frames like the
    /// training set land in [0,1]; others may fall outside, and are not clipped.
    /// A dimension the model never used (scale_mult 0) encodes as 0.
    public func encode(_ frame: [Float]) -> [Float] {
        encode(batch: frame)
    }

    /// Encodes frames stored row after row; returns rows of `latentCount` values.
    public func encode(batch frames: [Float]) -> [Float] {
        precondition(frames.count % inputCount == 0, "expected rows of \(inputCount) values")
        let rows = frames.count / inputCount
        let zMean = plan.run(batch: rows, inputs: frames)[0]
        return zMean.enumerated().map { index, z in
            let d = index % latentCount
            let mult = metadata.scaleMult[d]
            return mult == 0 ? 0 : Float((Double(z) - metadata.scaleSubtract[d]) / mult)
        }
    }
}
