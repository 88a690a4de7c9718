// The generative synthesis engine (SPEC §3) and its real-time boundary (§5).
//
// Per hop: random walk → glide → decode → mel feedback / brightness /
// whitening → sparse mel→spectrum → clip and tilt → spectral smoothing →
// random phase (magnitude · e^{iφ}) → inverse FFT → window → normalised
// overlap-add. Per sample: play/stop fade; then the granular voice and the
// autocode voice (each with its own level and fade) are mixed in, the gain
// ramp is applied, and the look-ahead peak limiter keeps every sample below
// −1 dBFS; the mix is copied to every output channel and to the recording tap.
//
// Threading (one control thread, one render thread, as in scsynth):
// - The control thread calls `send` (and `collectRetired`); commands cross to
//   the render thread through a lock-free SPSC queue.
// - The render thread calls `render` only. It never allocates, locks, logs or
//   waits: it applies queued commands at the start of each call, swaps in
//   voices and kernels prepared by the control thread, and hands the old ones
//   back through a second queue so they are released off the audio thread.
// - Figures leave through the atomics of `status`; output samples leave through
//   the `tap` ring, which a recorder drains on its own thread.

import AutocoderDSP
import AutocoderModel
import Foundation

/// A latent vector of up to `capacity` dimensions, carried by value.
public struct LatentVector: Sendable {
    public static let capacity = 32
    public var values: SIMD32<Float>
    public var count: Int

    public init(_ array: [Float]) {
        precondition(array.count <= Self.capacity, "at most \(Self.capacity) latent values")
        values = SIMD32(repeating: 0)
        for (i, v) in array.enumerated() { values[i] = v }
        count = array.count
    }
}

public enum EngineCommand: Sendable {
    /// Sets the first `count` latent targets.
    case latent(LatentVector)
    case latentDimension(index: Int, value: Float)
    case parameter(EngineParameter, Float)
    case walk(Bool)
    /// Fades in or out over 50 ms.
    case play(Bool)
    /// Latent targets back to 0.5 and the mel feedback memory cleared.
    case reset
    /// A new model, swapped in at the next hop. Must have the kernel's frame layout.
    case voice(Unmanaged<Voice>)
    /// A new FFT size, hop or frame layout: faded out, swapped (with the voice, if
    /// given), faded back in.
    case kernel(Unmanaged<SynthesisKernel>, voice: Unmanaged<Voice>?)
    /// A granular voice to mix in, replacing any other (nil removes it). Set it
    /// up (controls, play) before sending it.
    case granularVoice(Unmanaged<GranularVoice>?)
    case granularPlay(Bool)
    case granular(GranularParameter, Float)
    /// The next grain comes from this training frame.
    case granularJump(Int)
    /// An autocode voice to mix in, replacing any other (nil removes it).
    case autocodeVoice(Unmanaged<AutocodeVoice>?)
    case autocodePlay(Bool)
    case autocodeLevel(Float)
    case autocodeMapping(AutocodeMapping, LatentVector)
    /// The autocode voice learns its input's range afresh.
    case autocodeResetRange
}

enum RetiredObject {
    case voice(Unmanaged<Voice>)
    case kernel(Unmanaged<SynthesisKernel>)
    case granular(Unmanaged<GranularVoice>)
    case autocode(Unmanaged<AutocodeVoice>)
}

public final class SynthesisEngine: @unchecked Sendable {
    public let sampleRate: Double
    public let channels: Int
    public let status: EngineStatus
    /// Interleaved copies of every rendered block, for the recorder.
    public let tap: SampleRing

    private let commands = SPSCQueue<EngineCommand>(capacity: 4096)
    private let retired = SPSCQueue<RetiredObject>(capacity: 256)

    // Render-thread state. Only `render` (and `init`/`deinit`) touch these.
    /// The generative voice: the stream heard now, and one taking over after a reshape.
    var generative: Handover<GenerativeStream>
    let target: UnsafeMutablePointer<Float>
    let current: UnsafeMutablePointer<Float>
    var parameters: SIMD8<Float>
    var walking: Bool
    private var playing: Bool
    private var fade: Float
    private var fadeStep: Float
    private var gain: Float
    var walkClock = 0.0
    var random: RandomSource
    private var smoothedLoad = 0.0
    var latentChanged = false
    let phaseTable: UnsafeMutablePointer<SIMD2<Float>>
    private static let phaseTableSize = 4096
    private var granular: Unmanaged<GranularVoice>?
    /// A replaced granular voice whose sounding grains play out.
    private var finishingGranular: Unmanaged<GranularVoice>?
    private var autocode: Handover<Unmanaged<AutocodeVoice>?>
    /// The mono mix of the current chunk; the incoming generative stream's
    /// samples; one voice's samples; the input mixed to mono.
    private let mix: UnsafeMutablePointer<Float>
    private let incomingMix: UnsafeMutablePointer<Float>
    private let voiceMix: UnsafeMutablePointer<Float>
    private let monoInput: UnsafeMutablePointer<Float>
    private static let chunk = 1024
    /// The last stage: nothing reaches full scale at any gain.
    private let limiter: PeakLimiter
    /// Samples between a rendered sample and its output (the limiter's look-ahead).
    public var outputLatency: Int { limiter.latency }
    /// Crossfade of a replaced kernel or autocode voice into its successor.
    static let crossfadeSeconds = 0.03

    public init(voice: Voice, kernel: SynthesisKernel, channels: Int = 2, seed: UInt64 = 1,
                walking: Bool = true, playing: Bool = true, tapSeconds: Double = 8) {
        precondition(voice.layout == kernel.layout, "voice and kernel disagree on the frame layout")
        precondition(voice.latentCount <= LatentVector.capacity, "too many latent dimensions")
        self.sampleRate = kernel.sampleRate
        self.channels = channels
        let crossfade = Int(Self.crossfadeSeconds * kernel.sampleRate)
        generative = Handover(GenerativeStream(kernel: .passRetained(kernel), voice: .passRetained(voice)),
                              crossfadeSamples: crossfade, curve: .equalPower)
        autocode = Handover(nil, crossfadeSamples: crossfade, curve: .linear)
        status = EngineStatus(latentCount: LatentVector.capacity)
        tap = SampleRing(capacity: Int(tapSeconds * kernel.sampleRate) * channels)
        target = .allocate(capacity: LatentVector.capacity)
        target.initialize(repeating: 0.5, count: LatentVector.capacity)
        current = .allocate(capacity: LatentVector.capacity)
        current.initialize(repeating: 0.5, count: LatentVector.capacity)
        parameters = SIMD8(repeating: 0)
        for parameter in EngineParameter.allCases { parameters[parameter.ordinal] = parameter.defaultValue }
        self.walking = walking
        self.playing = playing
        fade = playing ? 1 : 0
        fadeStep = 0
        gain = EngineParameter.gain.defaultValue
        random = RandomSource(seed: seed)
        limiter = PeakLimiter(sampleRate: kernel.sampleRate)
        mix = .allocate(capacity: Self.chunk)
        incomingMix = .allocate(capacity: Self.chunk)
        voiceMix = .allocate(capacity: Self.chunk)
        monoInput = .allocate(capacity: Self.chunk)
        phaseTable = .allocate(capacity: Self.phaseTableSize)
        for i in 0..<Self.phaseTableSize {
            let phi = -Double.pi + 2 * Double.pi * Double(i) / Double(Self.phaseTableSize)
            phaseTable[i] = SIMD2(Float(cos(phi)), Float(sin(phi)))
        }
        status.publish(playing: playing, walking: walking)
    }

    deinit {
        while let command = commands.pop() { Self.release(command) }
        collectRetired()
        generative.forEach { $0.release() }
        autocode.forEach { $0?.release() }
        granular?.release()
        finishingGranular?.release()
        for buffer in [mix, incomingMix, voiceMix, monoInput, target, current] { buffer.deallocate() }
        phaseTable.deallocate()
    }

    // MARK: Control thread

    /// Queues a command for the render thread. Returns false, counts a drop and
    /// releases anything the command carried when the queue is full.
    @discardableResult
    public func send(_ command: EngineCommand) -> Bool {
        guard commands.push(command) else {
            Self.release(command)
            status.droppedCommands.wrappingIncrement(ordering: .relaxed)
            return false
        }
        return true
    }

    /// Releases voices and kernels the render thread has finished with.
    public func collectRetired() {
        while let object = retired.pop() {
            switch object {
            case let .voice(v): v.release()
            case let .kernel(k): k.release()
            case let .granular(g): g.release()
            case let .autocode(a): a.release()
            }
        }
    }

    private static func release(_ command: EngineCommand) {
        switch command {
        case let .voice(v): v.release()
        case let .kernel(k, v): k.release(); v?.release()
        case let .granularVoice(g): g?.release()
        case let .autocodeVoice(a): a?.release()
        default: break
        }
    }

    // MARK: Render thread

    /// Renders `frames` interleaved frames of `channels` channels into `output`.
    /// `input`, when given, holds `frames` interleaved frames of `inputChannels`
    /// channels for the autocode voice. Real-time safe.
    public func render(_ output: UnsafeMutablePointer<Float>, frames: Int,
                       input: UnsafePointer<Float>? = nil, inputChannels: Int = 0) {
        let started = Self.now()
        status.renderThread.store(UInt(pthread_self()), ordering: .relaxed)
        while let command = commands.pop() { apply(command) }

        let gainTarget = parameters[EngineParameter.gain.ordinal]
        let gainStep = Float(1 / (0.02 * sampleRate))
        var clipped = 0
        var done = 0
        while done < frames {
            let count = min(frames - done, Self.chunk)
            renderGenerativeVoice(into: mix, count: count)
            renderGranularVoices(count: count)
            renderAutocodeVoices(input: monoInput(input, channels: inputChannels, from: done, count: count), count: count)
            for i in 0..<count {
                gain += max(-gainStep, min(gainStep, gainTarget - gain))
                mix[i] *= gain
            }
            limiter.process(mix, count: count)
            for i in 0..<count {
                let sample = mix[i]
                // A witness: the limiter's ceiling is below full scale.
                if abs(sample) >= 1 { clipped += 1 }
                let frame = output + (done + i) * channels
                for c in 0..<channels { frame[c] = sample }
            }
            done += count
        }
        status.publishLimiter(reduction: limiter.takeGainReduction(), limitedSamples: limiter.limitedSamples)

        let fitted = tap.write(output, count: frames * channels)
        if fitted < frames * channels {
            status.tapDroppedFrames.wrappingIncrement(by: (frames * channels - fitted) / channels, ordering: .relaxed)
        }
        if clipped > 0 { status.clippedSamples.wrappingIncrement(by: clipped, ordering: .relaxed) }
        status.renderedFrames.wrappingIncrement(by: frames, ordering: .relaxed)
        if let granular { status.granularFrame.store(granular.takeUnretainedValue().index, ordering: .relaxed) }
        let elapsed = Self.now() - started
        let load = elapsed / (Double(frames) / sampleRate)
        smoothedLoad = smoothedLoad == 0 ? load : 0.95 * smoothedLoad + 0.05 * load
        status.publish(load: smoothedLoad, instantLoad: load)
    }

    /// The input frames [start, start + count) as mono samples, or nil without input.
    @inline(__always)
    private func monoInput(_ input: UnsafePointer<Float>?, channels: Int, from start: Int, count: Int) -> UnsafePointer<Float>? {
        guard let input, channels > 0 else { return nil }
        let first = input + start * channels
        if channels == 1 { return first }
        let scale = 1 / Float(channels)
        for i in 0..<count {
            var sum: Float = 0
            for c in 0..<channels { sum += first[i * channels + c] }
            monoInput[i] = sum * scale
        }
        return UnsafePointer(monoInput)
    }

    /// The generative voice's next `count` samples (with its play/stop fade) into
    /// `mix`: the active stream, crossfaded into an incoming one after a reshape.
    private func renderGenerativeVoice(into mix: UnsafeMutablePointer<Float>, count: Int) {
        if fade == 0, fadeStep <= 0, !playing {
            // Silent and staying silent: no synthesis until played again, and a
            // reshape needs no crossfade.
            generative.completeNow { self.retire($0) }
            mix.update(repeating: 0, count: count)
            return
        }
        render(&generative.active, into: mix, count: count, leading: true)
        if generative.incoming != nil {
            render(&generative.incoming!, into: incomingMix, count: count, leading: false)
        }
        if generative.mix(current: mix, next: incomingMix, into: mix, count: count, retire: { self.retire($0) }) {
            startIncomingStream()
        }
        for i in 0..<count {
            fade = max(0, min(1, fade + fadeStep))
            mix[i] *= fade
        }
        if fade == 0, fadeStep < 0 { fadeStep = 0 }
        if fade == 1, fadeStep > 0 { fadeStep = 0 }
    }

    /// Adds the granular voice, and a replaced one playing out its grains, to `mix`.
    private func renderGranularVoices(count: Int) {
        if let finishing = finishingGranular {
            let voice = finishing.takeUnretainedValue()
            addChecked(count: count, reset: voice.reset) { voice.render(adding: $0, count: count) }
            if !voice.isSounding {
                retire(.granular(finishing))
                finishingGranular = nil
            }
        }
        if let granular {
            let voice = granular.takeUnretainedValue()
            addChecked(count: count, reset: voice.reset) { voice.render(adding: $0, count: count) }
        }
    }

    /// Adds the autocode voice to `mix`, crossfaded into its replacement after a swap.
    private func renderAutocodeVoices(input: UnsafePointer<Float>?, count: Int) {
        guard autocode.active != nil || autocode.incoming != nil else { return }
        voiceMix.update(repeating: 0, count: count)
        if let active = autocode.active {
            process(active.takeUnretainedValue(), input: input, into: voiceMix, count: count)
        }
        if let incoming = autocode.incoming {
            incomingMix.update(repeating: 0, count: count)
            if let incoming { process(incoming.takeUnretainedValue(), input: input, into: incomingMix, count: count) }
        }
        if autocode.mix(current: voiceMix, next: incomingMix, into: voiceMix, count: count, retire: { self.retireAutocode($0) }),
           let incoming = autocode.incoming, let next = incoming {
            if let active = autocode.active { next.takeUnretainedValue().continueInput(of: active.takeUnretainedValue()) }
        }
        for i in 0..<count { mix[i] += voiceMix[i] }
    }

    /// One autocode voice's `count` samples into `output` (zeroed), silenced and
    /// reset if they are not finite.
    @inline(__always)
    private func process(_ voice: AutocodeVoice, input: UnsafePointer<Float>?, into output: UnsafeMutablePointer<Float>, count: Int) {
        voice.process(input: input, adding: output, count: count)
        if !Self.isFinite(output, count: count) {
            output.update(repeating: 0, count: count)
            voice.reset()
            status.nonFiniteBlocks.wrappingIncrement(ordering: .relaxed)
        }
    }

    /// Renders one voice's `count` samples with `body` (which adds them to the
    /// pointer it is given) and adds them to `mix`; samples that are not finite
    /// are dropped, the voice is reset and the event counted.
    @inline(__always)
    private func addChecked(count: Int, reset: () -> Void, _ body: (UnsafeMutablePointer<Float>) -> Void) {
        voiceMix.update(repeating: 0, count: count)
        body(voiceMix)
        guard Self.isFinite(voiceMix, count: count) else {
            reset()
            status.nonFiniteBlocks.wrappingIncrement(ordering: .relaxed)
            return
        }
        for i in 0..<count { mix[i] += voiceMix[i] }
    }

    @inline(__always)
    static func isFinite(_ samples: UnsafePointer<Float>, count: Int) -> Bool {
        var sum: Float = 0
        for i in 0..<count { sum += samples[i] * 0 }
        return sum == 0
    }

    @inline(__always)
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    private func apply(_ command: EngineCommand) {
        status.appliedCommands.wrappingIncrement(ordering: .relaxed)
        switch command {
        case let .latent(vector):
            for i in 0..<min(vector.count, LatentVector.capacity) { target[i] = vector.values[i] }
            latentChanged = true
        case let .latentDimension(index, value):
            if index >= 0 && index < LatentVector.capacity { target[index] = value }
            latentChanged = true
        case let .parameter(parameter, value):
            parameters[parameter.ordinal] = value
        case let .walk(on):
            walking = on
            walkClock = 0
            status.publish(playing: playing, walking: walking)
        case let .play(on):
            playing = on
            fadeStep = Float((on ? 1 : -1) / (0.05 * sampleRate))
            status.publish(playing: playing, walking: walking)
        case .reset:
            target.update(repeating: 0.5, count: LatentVector.capacity)
            generative.forEach { $0.voice.takeUnretainedValue().previousMel.update(repeating: 0) }
        case let .voice(newVoice):
            install(newVoice)
        case let .kernel(newKernel, newVoice):
            let voice = newVoice ?? generative.newest.voice.retain()
            let stream = GenerativeStream(kernel: newKernel, voice: voice)
            if generative.replace(with: stream, warmup: newKernel.takeUnretainedValue().shape.fftSize, retire: { self.retire($0) }) {
                startIncomingStream()
            }
        case let .granularVoice(newVoice):
            if let old = granular {
                if let older = finishingGranular { retire(.granular(older)) }
                old.takeUnretainedValue().finish()
                finishingGranular = old
            }
            granular = newVoice
        case let .granularPlay(on):
            granular?.takeUnretainedValue().play(on)
        case let .granular(parameter, value):
            granular?.takeUnretainedValue().set(parameter, value)
        case let .granularJump(frame):
            granular?.takeUnretainedValue().jump(to: frame)
        case let .autocodeVoice(newVoice):
            // A voice that is not heard needs no warm-up or crossfade.
            let heard = autocode.newest?.takeUnretainedValue().isSounding ?? false
            let warmup = heard ? newVoice?.takeUnretainedValue().shape.fftSize ?? 0 : 0
            if autocode.replace(with: newVoice, warmup: warmup, retire: { self.retireAutocode($0) }), let newVoice,
               let active = autocode.active {
                newVoice.takeUnretainedValue().continueInput(of: active.takeUnretainedValue())
            }
            if !heard { autocode.completeNow(retire: { self.retireAutocode($0) }) }
        case let .autocodePlay(on):
            autocode.forEach { $0?.takeUnretainedValue().play(on) }
        case let .autocodeLevel(level):
            autocode.forEach { $0?.takeUnretainedValue().level = level }
        case let .autocodeMapping(mapping, values):
            autocode.forEach { $0?.takeUnretainedValue().set(mapping, values) }
        case .autocodeResetRange:
            autocode.forEach { $0?.takeUnretainedValue().resetRange() }
        }
    }

    func retire(_ object: RetiredObject) {
        // The control thread drains this queue often; if it is ever full the
        // object leaks rather than being freed here.
        _ = retired.push(object)
    }

    /// A stream's kernel and voice go back to the control thread.
    func retire(_ stream: GenerativeStream) {
        retire(.kernel(stream.kernel))
        retire(.voice(stream.voice))
    }

    private func retireAutocode(_ voice: Unmanaged<AutocodeVoice>?) {
        if let voice { retire(.autocode(voice)) }
    }
}

extension EngineParameter {
    /// Slot in the engine's parameter vector; a constant, so the render thread can use it.
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
        }
    }
}
