// Autocoding (SPEC §3 "Autocode"): a sound heard through a model. Per hop,
// the newest stretch of the input is analysed as the training set was
// (16384-sample symmetric Hann at 44.1 kHz, magnitudes normalised by their
// peak, mel bands), encoded with the model's encoder, each dimension rescaled
// by the range seen over the input, then reordered, inverted, scaled, offset
// and clipped, decoded, and resynthesised with the input's own phase (Hann
// analysis and synthesis windows, overlap-add normalised so that an identity
// model gives the input back).
//
// Level: the published tool multiplied each decoded frame by the input
// frame's peak and then normalised the whole file. Decoded frames are in the
// carrier's training units, so that left the level to chance; here each
// resynthesised frame gets the input frame's energy instead, and a level
// follower (`followInputLevel`) makes up what overlap-add loses, so the output
// keeps the input's loudness envelope and its overall level.
//
// The same voice renders offline (`autocoder autocode`, with the analysis
// window centred on the synthesis frame) and live in the server (input from
// the sound device or a looped file, mixed with the generative voice).
//
// Threading: built on a control thread; afterwards one thread at a time calls
// `process` and the setters — the render thread once the engine owns it.
// `process` never allocates, locks or waits.

import AutocoderDSP
import AutocoderModel
import Foundation

/// The per-dimension mapping controls, each a vector of latent values.
public enum AutocodeMapping: String, CaseIterable, Sendable {
    /// Output dimension d takes input dimension reorder[d] (0-based here).
    case reorder
    /// 1 flips a dimension: v = 1 - v.
    case invert
    /// v = v × scale + offset, then clipped to [0, 1].
    case scale
    case offset
}

public final class AutocodeVoice: @unchecked Sendable {
    public let sampleRate: Double
    public let shape: SynthesisShape
    /// Samples in the analysis window (16384 at 44.1 kHz, scaled with the rate).
    public var analysisSize: Int { analysis.size }
    /// Samples from input to output: the synthesis frame's length plus, when
    /// centred, the look-ahead that centres the analysis window on it.
    public let latency: Int
    public let latentCount: Int

    private let encoder: Encoder
    private let decoder: Decoder
    private let analysis: MelAnalysis
    private let synthesisFFT: RealFFT
    private let frameWindow: UnsafeMutableBufferPointer<Float>
    /// Hann / (N × Σ overlapping Hann²): the overlap-add of frames comes back to the input.
    private let synthesisWindow: UnsafeMutableBufferPointer<Float>
    /// Decoded envelope → the synthesis FFT's bins.
    private let synthesisMap: SpectrumMap

    private var history: SampleHistory
    private let lead: Int
    private let accumulator: UnsafeMutableBufferPointer<Float>
    private var position = 0
    private var accumulatorIsClear = true
    /// Gain that keeps the output at the input's level (see `followInputLevel`).
    private var levelCorrection: Float = 1

    private let magnitude: UnsafeMutableBufferPointer<Float>
    private let mel: UnsafeMutableBufferPointer<Float>
    private let encoded: UnsafeMutableBufferPointer<Float>
    private let mapped: UnsafeMutableBufferPointer<Float>
    private let decoded: UnsafeMutableBufferPointer<Float>
    private let minimum: UnsafeMutableBufferPointer<Float>
    private let maximum: UnsafeMutableBufferPointer<Float>
    private var rangeIsFixed: Bool
    private var rangeIsEmpty = true
    private let reorder: UnsafeMutableBufferPointer<Int>
    private let invert: UnsafeMutableBufferPointer<Bool>
    private let scale: UnsafeMutableBufferPointer<Float>
    private let offset: UnsafeMutableBufferPointer<Float>

    private let loop: UnsafeMutableBufferPointer<Float>?
    private var loopPosition = 0
    /// Tells one looped sound from another (its length and a checksum), so a
    /// voice replacing another on the same loop can carry on where it was.
    private let loopSignature: UInt64

    public var level: Float = 1
    private var fade = VoiceFade()
    /// Only encode (to learn the input's range); make no sound.
    public var analysesOnly = false
    /// Hops analysed so far, and whether the newest was silent (nothing to encode).
    public private(set) var analysedHops = 0
    public private(set) var newestHopWasSilent = true
    /// The training set's scaling (the .mm's minin and maxin). While set, each
    /// hop is also encoded as the training frames were — at its level, not
    /// normalised, scaled by this range — the encoding ANCHOR.enc.npy holds
    /// for the training frames, so the nearest of them can be found
    /// (`newestTrainingEncoding`). Set before the voice plays (for listening).
    public var trainingRange: (minIn: Float, maxIn: Float)?
    private let trainingMel: UnsafeMutableBufferPointer<Float>
    private let trainingEncoded: UnsafeMutableBufferPointer<Float>

    /// - Parameters:
    ///   - encoder, decoder: the model's (the decoder synthesis plays: a
    ///     bundle's `synthesis`); the voice takes copies with their own scratch.
    ///   - centred: centre the analysis window on the synthesis frame (adds
    ///     `(analysisSize - fftSize) / 2` samples of latency; for offline use).
    ///   - range: per-dimension minimum and maximum of the input's encodings;
    ///     nil learns them as the input plays (until `resetRange`).
    ///   - loop: a sound (at `sampleRate`) that is played round and round as the input.
    public init(encoder: Encoder, decoder: Decoder, shape: SynthesisShape, sampleRate: Double, centred: Bool = false,
                range: (minimum: [Float], maximum: [Float])? = nil, loop: [Float]? = nil) throws {
        guard encoder.latentCount == decoder.latentCount else {
            throw ModelFileError(path: decoder.path, problem: "the decoder takes \(decoder.latentCount) latent values but the encoder makes \(encoder.latentCount)")
        }
        self.sampleRate = sampleRate
        self.shape = shape
        self.encoder = Encoder(sharing: encoder)
        self.decoder = Decoder(sharing: decoder)
        latentCount = encoder.latentCount
        let n = shape.fftSize, hop = shape.hop
        let a = max(1 << Int(log2(Double(MelAnalysis.fftSize) * sampleRate / 44100).rounded()), 256)
        lead = centred ? max(0, (a - n) / 2) : 0
        latency = n + lead

        analysis = MelAnalysis(melCount: encoder.inputCount, size: a, sampleRate: sampleRate)

        synthesisFFT = RealFFT(size: n)
        let windows = CrossSynthesis.windows(fftSize: n, hop: hop)
        frameWindow = .allocate(capacity: n)
        _ = frameWindow.initialize(from: windows.analysis)
        synthesisWindow = .allocate(capacity: n)
        _ = synthesisWindow.initialize(from: windows.synthesis)
        synthesisMap = SpectrumMap(layout: decoder.layout, fftSize: n, sampleRate: sampleRate)

        history = SampleHistory(capacity: max(a, n + lead))
        accumulator = .allocate(capacity: n)
        accumulator.initialize(repeating: 0)

        magnitude = .allocate(capacity: n / 2)
        magnitude.initialize(repeating: 0)
        mel = .allocate(capacity: encoder.inputCount)
        mel.initialize(repeating: 0)
        trainingMel = .allocate(capacity: encoder.inputCount)
        trainingMel.initialize(repeating: 0)
        decoded = .allocate(capacity: decoder.outputCount)
        decoded.initialize(repeating: 0)
        let l = latentCount
        encoded = .allocate(capacity: l)
        encoded.initialize(repeating: 0)
        trainingEncoded = .allocate(capacity: l)
        trainingEncoded.initialize(repeating: 0)
        mapped = .allocate(capacity: l)
        mapped.initialize(repeating: 0)
        minimum = .allocate(capacity: l)
        maximum = .allocate(capacity: l)
        minimum.initialize(repeating: 0)
        maximum.initialize(repeating: 1)
        rangeIsFixed = false
        reorder = .allocate(capacity: l)
        for d in 0..<l { reorder[d] = d }
        invert = .allocate(capacity: l)
        invert.initialize(repeating: false)
        scale = .allocate(capacity: l)
        scale.initialize(repeating: 1)
        offset = .allocate(capacity: l)
        offset.initialize(repeating: 0)
        if let range {
            guard range.minimum.count == l, range.maximum.count == l else {
                throw ModelFileError(path: encoder.path, problem: "a range needs \(l) minima and maxima")
            }
            _ = minimum.initialize(from: range.minimum)
            _ = maximum.initialize(from: range.maximum)
            rangeIsFixed = true
            rangeIsEmpty = false
        }
        if let loop, !loop.isEmpty {
            self.loop = .allocate(capacity: loop.count)
            _ = self.loop!.initialize(from: loop)
            loopSignature = loop.reduce(UInt64(loop.count)) { ($0 &* 0x100_0000_01b3) ^ UInt64($1.bitPattern) }
        } else {
            self.loop = nil
            loopSignature = 0
        }
    }

    /// The newest hop's encoding as the encoder gives it (`/encode`'s values),
    /// and each dimension scaled by the range learned over the input to [0,1].
    /// Real-time safe.
    public func newestEncoding(raw: UnsafeMutablePointer<Float>, scaled: UnsafeMutablePointer<Float>) {
        for d in 0..<latentCount {
            raw[d] = encoded[d]
            let span = maximum[d] - minimum[d]
            scaled[d] = span > 1e-6 ? min(max((encoded[d] - minimum[d]) / span, 0), 1) : 0.5
        }
    }

    /// The newest hop encoded as the training frames were (see
    /// `trainingRange`), into `latent`; false when no range is set.
    public func newestTrainingEncoding(into latent: UnsafeMutablePointer<Float>) -> Bool {
        guard trainingRange != nil else { return false }
        latent.update(from: trainingEncoded.baseAddress!, count: latentCount)
        return true
    }

    deinit {
        history.deallocate()
        for buffer in [frameWindow, synthesisWindow, accumulator, magnitude, mel, trainingMel, encoded, trainingEncoded, mapped, decoded,
                       minimum, maximum, scale, offset] {
            buffer.deallocate()
        }
        reorder.deallocate()
        invert.deallocate()
        loop?.deallocate()
    }

    // MARK: Controls (the rendering thread)

    /// Sets one mapping vector from the first `values.count` dimensions (the
    /// rest keep theirs). Reorder entries are 0-based dimensions; invert is 0/1.
    public func set(_ mapping: AutocodeMapping, _ values: LatentVector) {
        for d in 0..<min(values.count, latentCount) {
            let value = values.values[d]
            switch mapping {
            case .reorder: reorder[d] = min(max(Int(value), 0), latentCount - 1)
            case .invert: invert[d] = value >= 0.5
            case .scale: scale[d] = value
            case .offset: offset[d] = value
            }
        }
    }

    /// Forgets the input's range and learns it afresh from what comes next.
    public func resetRange() {
        rangeIsFixed = false
        rangeIsEmpty = true
    }

    /// The range the mapping uses now (allocates; not for the render thread).
    public var range: (minimum: [Float], maximum: [Float]) {
        (Array(minimum), Array(maximum))
    }

    /// The latent values the last analysed hop decoded (encoded, rescaled by
    /// the range, mapped and clipped); a silent hop leaves them as they were.
    /// Valid until the next `process`; the rendering thread reads it.
    public var latent: UnsafeBufferPointer<Float> { UnsafeBufferPointer(mapped) }

    public func play(_ on: Bool, fadeSeconds: Double = 0.05) {
        fade.set(on, seconds: fadeSeconds, sampleRate: sampleRate)
    }

    /// Whether anything can be heard: on, or still fading out.
    var isSounding: Bool { fade.isSounding }

    /// Forgets the input heard so far and the sound in the making (after a
    /// block that was not finite); the next hops start afresh.
    func reset() {
        history.clear()
        accumulator.update(repeating: 0)
        levelCorrection = 1
    }

    /// Takes over from `other`, which played the same input until now: its
    /// recent input (so the analysis window is full at once), its place in a
    /// shared loop and its level correction. Render thread; no allocation.
    func continueInput(of other: AutocodeVoice) {
        history.continue(from: other.history)
        if let loop, loopSignature == other.loopSignature, other.loop?.count == loop.count {
            loopPosition = other.loopPosition
        }
        levelCorrection = other.levelCorrection
    }

    // MARK: Processing

    /// Takes `count` input samples (every `stride`-th float from `input`; from the
    /// loop when the voice has one; silence when neither) and adds `count`
    /// samples of output to `output`. Each hop it plays leaves its latent
    /// values in `played` (the engine's, for a take's trajectory). Real-time safe.
    public func process(input: UnsafePointer<Float>?, stride: Int = 1, adding output: UnsafeMutablePointer<Float>, count: Int,
                        played: PlayedLatents? = nil) {
        let hop = shape.hop
        let silent = !fade.isSounding && !analysesOnly
        if silent && !accumulatorIsClear {
            // Switched off: nothing is analysed until it is switched on again, and
            // nothing stale is left to play then.
            accumulator.update(repeating: 0)
            position = 0
            accumulatorIsClear = true
        }
        for i in 0..<count {
            let x: Float
            if let loop {
                x = loop[loopPosition]
                loopPosition = loopPosition + 1 == loop.count ? 0 : loopPosition + 1
            } else if let input {
                // A device input may carry anything; what is not finite counts as silence.
                let sample = input[i * stride]
                x = sample.isFinite ? sample : 0
            } else {
                x = 0
            }
            history.append(x)
            if silent { continue }
            output[i] += accumulator[position] * level * fade.next()
            position += 1
            if position == hop {
                // The new frame is heard from the next sample on.
                processHop(at: i + 1, played: played)
                if !analysesOnly { followInputLevel() }
            }
        }
        if !silent { accumulatorIsClear = false }
    }

    /// Brings the hop about to be played to the level of the input it stands
    /// for. Each frame already has its input frame's energy, but where the
    /// decoded envelope puts energy in bins the input leaves (nearly) empty, the
    /// input's phases there do not continue from frame to frame and overlapping
    /// frames partly cancel: a quiet tone through a broadband carrier would come
    /// out up to 12 dB too soft. The correction is smoothed over two hops,
    /// ramped within each and limited to ±18 dB; for a carrier that reproduces
    /// the input it stays near 1.
    private func followInputLevel() {
        let hop = shape.hop
        let played = accumulator.baseAddress!
        let heard = recent(hop, before: latency - hop)
        var inputEnergy: Float = 0, outputEnergy: Float = 0
        for i in 0..<hop {
            inputEnergy += heard[i] * heard[i]
            outputEnergy += played[i] * played[i]
        }
        let previous = levelCorrection
        if inputEnergy > 1e-9 * Float(hop), outputEnergy > 1e-9 * Float(hop) {
            let wanted = min(max((inputEnergy / outputEnergy).squareRoot(), 0.125), 8)
            levelCorrection += (wanted - levelCorrection) * 0.5
        }
        // Ramped across the hop, so the gain never steps at a hop boundary.
        let step = (levelCorrection - previous) / Float(hop)
        for i in 0..<hop { played[i] *= previous + step * Float(i + 1) }
    }

    /// Start of the newest `length` samples, `before` samples back from the newest, in `history`.
    @inline(__always)
    private func recent(_ length: Int, before: Int = 0) -> UnsafePointer<Float> { history.recent(length, before: before) }

    /// The hop heard from `start` samples into this call on.
    private func processHop(at start: Int, played: PlayedLatents?) {
        let n = shape.fftSize, hop = shape.hop
        let acc = accumulator.baseAddress!
        acc.update(from: acc + hop, count: n - hop)
        (acc + n - hop).update(repeating: 0, count: hop)
        position = 0

        // Analysis: the published normalised mel frame.
        analysedHops += 1
        let peak = analysis.analyze(frame: recent(analysisSize), normalized: true, into: mel.baseAddress!)
        newestHopWasSilent = peak <= 0
        guard peak > 0 else { return }   // silence: nothing to encode or play
        if let (minIn, maxIn) = trainingRange {
            // The filterbank is linear: the frame at its level is the normalised one times the peak.
            let scale = 1 / (maxIn - minIn)
            for j in 0..<mel.count { trainingMel[j] = (mel[j] * peak - minIn) * scale }
            encoder.encode(trainingMel.baseAddress!, into: trainingEncoded.baseAddress!)
        }
        for j in 0..<mel.count { mel[j] = min(max(mel[j], 0), 1) }
        encoder.encode(mel.baseAddress!, into: encoded.baseAddress!)

        if !rangeIsFixed {
            for d in 0..<latentCount {
                let e = encoded[d]
                minimum[d] = rangeIsEmpty ? e : min(minimum[d], e)
                maximum[d] = rangeIsEmpty ? e : max(maximum[d], e)
            }
            rangeIsEmpty = false
        }
        if analysesOnly { return }

        for d in 0..<latentCount {
            let source = reorder[d]
            let span = maximum[source] - minimum[source]
            var v = span > 1e-6 ? (encoded[source] - minimum[source]) / span : 0.5
            if invert[d] { v = 1 - v }
            mapped[d] = min(max(v * scale[d] + offset[d], 0), 1)
        }
        decoder.decode(mapped.baseAddress!, into: decoded.baseAddress!)
        played?.record(at: start + n / 2, mapped.baseAddress!, count: latentCount)

        // Synthesis: the decoded envelope at the frame's own energy, with its phase.
        let frame = recent(n, before: lead)
        for i in 0..<n { synthesisFFT.samples[i] = frame[i] * frameWindow[i] }
        synthesisFFT.forward()
        let spectrum = synthesisFFT.spectrum
        let envelope = decoded.baseAddress!
        synthesisMap.magnitudes(of: envelope, into: magnitude.baseAddress!)
        for k in 1..<n / 2 { magnitude[k] = max(magnitude[k], 0) }
        guard CrossSynthesis.impose(UnsafePointer(magnitude.baseAddress!), on: spectrum, bins: n / 2) else { return }
        synthesisFFT.inverse()
        let samples = synthesisFFT.samples
        for i in 0..<n { acc[i] += samples[i] * synthesisWindow[i] }
    }
}
