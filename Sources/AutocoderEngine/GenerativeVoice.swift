// A generative voice: the model's latent space played as a spectrum (SPEC §3).
// It owns its latent state (targets, the sounding values, the random walk and
// glide), its spectral controls, its play/stop fade, and its streams: the one
// heard now and, after a reshape, one taking over from it (`Handover`). The
// hop synthesis itself is in `GenerativeVoice+Synthesis.swift`.
//
// Threading: built by the engine's control face (it allocates); from then on
// only the render thread touches it, through `render`, `apply` and the
// engine's batched decoding, until the engine retires it. Nothing here
// allocates, locks or waits.
//
// A filter voice is a generative voice with a `FilterStage`: the same latent
// state and decoded spectrum, imposed on an input instead of random phases.

import AutocoderModel
import Foundation

final class GenerativeVoice: @unchecked Sendable {
    let sampleRate: Double
    /// Its figures for other threads.
    let status: VoiceStatus
    /// Engine-wide counters (hops, non-finite frames, when a latent change is heard).
    unowned(unsafe) let engineStatus: EngineStatus
    unowned(unsafe) let retirement: Retirement

    var streams: Handover<GenerativeStream>
    let target: UnsafeMutablePointer<Float>
    let current: UnsafeMutablePointer<Float>
    var parameters: SIMD16<Float>
    var walking: Bool
    private(set) var playing: Bool
    private var fade: Float
    private var fadeStep: Float
    var walkClock = 0.0
    var random: RandomSource
    var latentChanged = false
    let phaseTable: UnsafePointer<SIMD2<Float>>
    /// The incoming stream's samples during a reshape (its first and second signal).
    private let incomingMix: UnsafeMutablePointer<Float>
    private let incomingSecond: UnsafeMutablePointer<Float>
    /// How its spectrum gets its phases.
    private(set) var phaseMode: PhaseMode = .random
    /// The width as heard now (moving towards `width` once the second signal is full).
    private var widthHeard: Float = 0
    /// Samples of silence before a new stream's first hop.
    let hopOffset: Int
    /// A filter voice's input side (nil: a generative voice).
    let filter: FilterStage?
    /// A filter voice's dry/wet blend as heard now (ramped towards `mix`).
    private var mixHeard: Float = 1

    /// The morph under way (`GenerativeVoice+Morph.swift`): where its targets
    /// and controls started, which of them it still moves (a later command
    /// for one takes it out), whether it still sets the walk, and the frames
    /// it has run.
    var morph: Morph?
    var morphFromLatent = SIMD32<Float>(repeating: 0)
    var morphFromParameters = SIMD16<Float>(repeating: 0)
    var morphLatentMask: UInt32 = 0
    var morphParameterMask: UInt16 = 0
    var morphSetsWalk = false
    var morphElapsed = 0

    /// Frames decoded ahead of their hops for this render call (batched by
    /// the engine): `decodedCount` rows of `decodedStride` values from
    /// `decoded`, the next one at `decodedNext`, decoded from the rows of
    /// latent values at `decodedLatents` (the model's latent count apart).
    var decoded: UnsafePointer<Float>?
    var decodedLatents: UnsafePointer<Float>?
    var decodedStride = 0
    var decodedCount = 0
    var decodedNext = 0

    /// `hopOffset` samples of silence come before its first hop, and before the
    /// first hop of each stream after a reshape: voices spread their hops over
    /// the render calls of a hop (see `SynthesisEngine.addGenerativeVoice`).
    init(model: Unmanaged<LoadedModel>, kernel: Unmanaged<SynthesisKernel>, sampleRate: Double, seed: UInt64,
         walking: Bool, playing: Bool, phaseTable: UnsafePointer<SIMD2<Float>>, status: VoiceStatus,
         engineStatus: EngineStatus, retirement: Retirement, chunk: Int, hopOffset: Int = 0, filter: FilterStage? = nil) {
        self.sampleRate = sampleRate
        self.status = status
        self.engineStatus = engineStatus
        self.retirement = retirement
        self.hopOffset = hopOffset
        self.filter = filter
        // A filter voice's streams share the input's phase.
        streams = Handover(Self.stream(kernel, model, hopOffset: hopOffset),
                           crossfadeSamples: Int(SynthesisEngine.crossfadeSeconds * sampleRate), curve: filter == nil ? .equalPower : .linear)
        target = .allocate(capacity: LatentVector.capacity)
        target.initialize(repeating: 0.5, count: LatentVector.capacity)
        current = .allocate(capacity: LatentVector.capacity)
        current.initialize(repeating: 0.5, count: LatentVector.capacity)
        parameters = SIMD16(repeating: 0)
        let kind: VoiceKind = filter == nil ? .generative : .filter
        for parameter in EngineParameter.allCases { parameters[parameter.ordinal] = parameter.defaultValue(for: kind) }
        self.walking = walking
        self.playing = playing
        fade = playing ? 1 : 0
        fadeStep = 0
        random = RandomSource(seed: seed)
        self.phaseTable = phaseTable
        incomingMix = .allocate(capacity: chunk)
        incomingSecond = .allocate(capacity: chunk)
        status.publish(playing: playing, walking: walking)
    }

    deinit {
        streams.forEach { $0.release() }
        target.deallocate()
        current.deallocate()
        incomingMix.deallocate()
        incomingSecond.deallocate()
    }

    /// The model heard last (the newest stream's).
    var model: LoadedModel { streams.newest.voice.takeUnretainedValue() }

    /// Whether it renders at all: playing, or still fading out.
    var isSounding: Bool { !(fade == 0 && fadeStep <= 0 && !playing) }

    /// Takes a command meant for this voice. Render thread.
    func apply(_ command: VoiceCommand) {
        switch command {
        case let .latent(vector):
            for i in 0..<min(vector.count, LatentVector.capacity) {
                target[i] = vector.values[i]
                status.storeTarget(i, target[i])
            }
            morphLatentMask &= vector.count >= 32 ? 0 : ~UInt32(0) << UInt32(vector.count)
            latentChanged = true
        case let .latentDimension(index, value):
            if index >= 0 && index < LatentVector.capacity {
                target[index] = value
                status.storeTarget(index, value)
                morphLatentMask &= ~(1 << UInt32(index))
            }
            latentChanged = true
        case let .parameter(parameter, value):
            parameters[parameter.ordinal] = value
            morphParameterMask &= ~(1 << UInt16(parameter.ordinal))
        case let .phase(mode):
            phaseMode = mode
        case let .morph(morph):
            start(morph)
        case let .walk(on):
            morphSetsWalk = false
            walking = on
            walkClock = 0
            status.publish(playing: playing, walking: walking)
        case let .play(on):
            playing = on
            fadeStep = Float((on ? 1 : -1) / (0.05 * sampleRate))
            status.publish(playing: playing, walking: walking)
        case .reset:
            target.update(repeating: 0.5, count: LatentVector.capacity)
            for i in 0..<LatentVector.capacity { status.storeTarget(i, 0.5) }
            morphLatentMask = 0
            streams.forEach { $0.voice.takeUnretainedValue().previousMel.update(repeating: 0) }
        case .level, .route, .granular, .granularJump, .autocodeMapping, .autocodeResetRange:
            break
        }
    }

    /// A new model with the same frame layout as a stream's kernel: every such
    /// stream plays it from its next hop on.
    func install(_ newModel: Unmanaged<LoadedModel>) {
        let layout = newModel.takeUnretainedValue().layout
        var owned = false
        streams.forEach { stream in
            guard stream.kernel.takeUnretainedValue().layout == layout else { return }
            retirement.retire(.voice(stream.voice))
            stream.voice = owned ? newModel.retain() : newModel
            owned = true
        }
        if !owned { retirement.retire(.voice(newModel)) }
    }

    /// A new FFT size, hop or frame layout (with the model, when it changes too):
    /// warmed up and crossfaded in.
    func reshape(_ kernel: Unmanaged<SynthesisKernel>, model: Unmanaged<LoadedModel>?) {
        let voice = model ?? streams.newest.voice.retain()
        let shape = kernel.takeUnretainedValue().shape
        let offset = hopOffset % shape.hop
        // It warms up until its overlap-add is full: one FFT after its first hop.
        if streams.replace(with: Self.stream(kernel, voice, hopOffset: offset), warmup: shape.fftSize + offset, retire: { retire($0) }) {
            startIncomingStream()
        }
    }

    /// A stream whose first hop comes `hopOffset` samples from now: as if a
    /// silent hop were playing, that far from its end.
    private static func stream(_ kernel: Unmanaged<SynthesisKernel>, _ model: Unmanaged<LoadedModel>, hopOffset: Int) -> GenerativeStream {
        var stream = GenerativeStream(kernel: kernel, voice: model)
        let hop = kernel.takeUnretainedValue().shape.hop
        if hopOffset > 0 && hopOffset < hop {
            stream.started = true
            stream.position = hop - hopOffset
        }
        return stream
    }

    /// The next `count` samples (with the play/stop fade) into `output`: the
    /// active stream, crossfaded into an incoming one after a reshape. A filter
    /// voice takes `count` samples of `input` (its device or voice source's).
    /// With `second` (the voice is heard on more than one channel), a
    /// generative voice writes there what its other channels play: the same
    /// spectrum with other phases, as far as its width says; returns whether it did.
    @discardableResult
    func render(into output: UnsafeMutablePointer<Float>, second: UnsafeMutablePointer<Float>? = nil, count: Int,
                input: UnsafePointer<Float>? = nil) -> Bool {
        filter?.begin(input: input, count: count)
        guard isSounding else {
            // Silent and staying silent: no synthesis until played again, and a
            // reshape needs no crossfade.
            streams.completeNow { retire($0) }
            filter?.appendSilently(count: count)
            // A morph runs on in silence (its targets and controls move; the glide waits for sound).
            stepMorph(by: count)
            output.update(repeating: 0, count: count)
            widthHeard = 0
            return false
        }
        let width = parameters[EngineParameter.width.ordinal]
        // A second signal only where it can be heard, and not for a filter voice (its phase is its input's).
        let wanted = filter == nil && (width > 0 || widthHeard > 0) ? second : nil
        render(&streams.active, into: output, second: wanted, count: count, leading: true)
        if streams.incoming != nil {
            render(&streams.incoming!, into: incomingMix, second: wanted == nil ? nil : incomingSecond, count: count, leading: false)
        }
        if streams.mix(current: output, next: incomingMix, into: output, count: count,
                       second: wanted.map { (current: UnsafePointer($0), next: UnsafePointer(incomingSecond), into: $0) },
                       retire: { retire($0) }) {
            startIncomingStream()
        }
        if let wanted {
            // The second signal is heard once its overlap-add is full; the width
            // moves over 50 ms, the two gains (cos, sin) interpolated within the call.
            let kernel = streams.active.kernel.takeUnretainedValue()
            let target = kernel.secondRunning >= kernel.shape.fftSize ? width : 0
            let most = Float(count) / Float(0.05 * sampleRate)
            let start = widthHeard
            widthHeard += max(-most, min(most, target - widthHeard))
            let from = SIMD2(cosf(start * .pi / 2), sinf(start * .pi / 2))
            let to = SIMD2(cosf(widthHeard * .pi / 2), sinf(widthHeard * .pi / 2))
            for i in 0..<count {
                let gains = from + (to - from) * (Float(i + 1) / Float(count))
                wanted[i] = gains.x * output[i] + gains.y * wanted[i]
            }
        } else {
            widthHeard = 0
        }
        if let filter {
            let mix = parameters[EngineParameter.mix.ordinal]
            let step = Float(1 / (0.02 * sampleRate))
            for i in 0..<count {
                mixHeard += max(-step, min(step, mix - mixHeard))
                output[i] = mixHeard * output[i] + (1 - mixHeard) * filter.dry[i]
            }
        }
        for i in 0..<count {
            fade = max(0, min(1, fade + fadeStep))
            output[i] *= fade
            if let wanted { wanted[i] *= fade }
        }
        if fade == 0, fadeStep < 0 { fadeStep = 0 }
        if fade == 1, fadeStep > 0 { fadeStep = 0 }
        return wanted != nil
    }

    /// A stream's kernel and model go back to the control thread.
    func retire(_ stream: GenerativeStream) {
        retirement.retire(.kernel(stream.kernel))
        retirement.retire(.voice(stream.voice))
    }
}

extension EngineParameter {
    /// Slot in a voice's parameter vector; a constant, so the render thread can use it.
    var ordinal: Int {
        switch self {
        case .glide: 0
        case .walkStep: 1
        case .walkInterval: 2
        case .brightness: 3
        case .whitening: 4
        case .feedback: 5
        case .smoothing: 6
        case .gain: 7
        case .autofilter: 8
        case .tail: 9
        case .predelay: 10
        case .mix: 11
        case .width: 12
        }
    }
}
