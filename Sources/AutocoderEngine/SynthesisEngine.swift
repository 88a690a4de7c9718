// The generative synthesis engine (SPEC §3) and its real-time boundary (§5).
//
// Per hop: random walk → glide → decode → mel feedback / brightness /
// whitening → sparse mel→spectrum → clip and tilt → spectral smoothing →
// random phase (magnitude · e^{iφ}) → inverse FFT → window → normalised
// overlap-add. Per sample: play/stop fade; then the granular voice and the
// autocode voice (each with its own level and fade) are mixed in, and the
// gain ramp is applied; the mix is copied to every output channel and to the
// recording tap.
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
    /// A new model, swapped in at the next hop. Must have the kernel's mel count.
    case voice(Unmanaged<Voice>)
    /// A new FFT size, hop or mel count: faded out, swapped (with the voice, if
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
    private var voice: Unmanaged<Voice>
    private var kernel: Unmanaged<SynthesisKernel>
    private var pendingKernel: Unmanaged<SynthesisKernel>?
    private var pendingVoice: Unmanaged<Voice>?
    private let target: UnsafeMutablePointer<Float>
    private let current: UnsafeMutablePointer<Float>
    private var parameters: SIMD8<Float>
    private var walking: Bool
    private var playing: Bool
    private var fade: Float
    private var fadeStep: Float
    private var gain: Float
    private var position = 0
    private var started = false
    private var walkClock = 0.0
    private var random: RandomSource
    private var smoothedLoad = 0.0
    private var latentChanged = false
    private let phaseTable: UnsafeMutablePointer<SIMD2<Float>>
    private static let phaseTableSize = 4096
    private var granular: Unmanaged<GranularVoice>?
    private var autocode: Unmanaged<AutocodeVoice>?
    /// The mono mix of the current chunk, and the input mixed to mono.
    private let mix: UnsafeMutablePointer<Float>
    private let monoInput: UnsafeMutablePointer<Float>
    private static let chunk = 1024

    public init(voice: Voice, kernel: SynthesisKernel, channels: Int = 2, seed: UInt64 = 1,
                walking: Bool = true, playing: Bool = true, tapSeconds: Double = 8) {
        precondition(voice.melCount == kernel.melCount, "voice and kernel disagree on the mel count")
        precondition(voice.latentCount <= LatentVector.capacity, "too many latent dimensions")
        self.sampleRate = kernel.sampleRate
        self.channels = channels
        self.voice = Unmanaged.passRetained(voice)
        self.kernel = Unmanaged.passRetained(kernel)
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
        mix = .allocate(capacity: Self.chunk)
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
        voice.release()
        kernel.release()
        pendingKernel?.release()
        pendingVoice?.release()
        granular?.release()
        autocode?.release()
        mix.deallocate()
        monoInput.deallocate()
        target.deallocate()
        current.deallocate()
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
            if let granular {
                granular.takeUnretainedValue().render(adding: mix, count: count)
            }
            if let autocode {
                autocode.takeUnretainedValue().process(input: monoInput(input, channels: inputChannels, from: done, count: count),
                                                       adding: mix, count: count)
            }
            for i in 0..<count {
                gain += max(-gainStep, min(gainStep, gainTarget - gain))
                var sample = mix[i] * gain
                if abs(sample) > 1 {
                    sample = sample > 0 ? 1 : -1
                    clipped += 1
                }
                let frame = output + (done + i) * channels
                for c in 0..<channels { frame[c] = sample }
            }
            done += count
        }

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

    /// The generative voice's next `count` samples (with its play/stop fade) into `mix`.
    private func renderGenerativeVoice(into mix: UnsafeMutablePointer<Float>, count frames: Int) {
        let hop = kernel.takeUnretainedValue().shape.hop
        var written = 0
        while written < frames {
            if fade == 0, fadeStep <= 0, swapPendingKernel() == false, !playing {
                // Silent and staying silent: no synthesis until played again.
                (mix + written).update(repeating: 0, count: frames - written)
                return
            }
            if position == hop || !self.started {
                synthesizeHop()
            }
            let accumulator = kernel.takeUnretainedValue().accumulator
            let count = min(frames - written, hop - position)
            for i in 0..<count {
                fade = max(0, min(1, fade + fadeStep))
                mix[written + i] = accumulator[position + i] * fade
            }
            position += count
            written += count
            if fade == 0, fadeStep < 0 { fadeStep = 0 }
            if fade == 1, fadeStep > 0 { fadeStep = 0 }
        }
    }

    @inline(__always)
    private static func now() -> Double {
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
            let v = voice.takeUnretainedValue()
            v.previousMel.update(repeating: 0)
        case let .voice(newVoice):
            retire(.voice(voice))
            voice = newVoice
        case let .kernel(newKernel, newVoice):
            if let old = pendingKernel { retire(.kernel(old)) }
            if let old = pendingVoice { retire(.voice(old)) }
            pendingKernel = newKernel
            pendingVoice = newVoice
            fadeStep = Float(-1 / (0.01 * sampleRate))
        case let .granularVoice(newVoice):
            if let old = granular { retire(.granular(old)) }
            granular = newVoice
        case let .granularPlay(on):
            granular?.takeUnretainedValue().play(on)
        case let .granular(parameter, value):
            granular?.takeUnretainedValue().set(parameter, value)
        case let .granularJump(frame):
            granular?.takeUnretainedValue().jump(to: frame)
        case let .autocodeVoice(newVoice):
            if let old = autocode { retire(.autocode(old)) }
            autocode = newVoice
        case let .autocodePlay(on):
            autocode?.takeUnretainedValue().play(on)
        case let .autocodeLevel(level):
            autocode?.takeUnretainedValue().level = level
        case let .autocodeMapping(mapping, values):
            autocode?.takeUnretainedValue().set(mapping, values)
        case .autocodeResetRange:
            autocode?.takeUnretainedValue().resetRange()
        }
    }

    /// Swaps a pending kernel in once the output has faded to silence; returns
    /// whether one was swapped.
    private func swapPendingKernel() -> Bool {
        guard let newKernel = pendingKernel else { return false }
        retire(.kernel(kernel))
        kernel = newKernel
        pendingKernel = nil
        if let newVoice = pendingVoice {
            retire(.voice(voice))
            voice = newVoice
            pendingVoice = nil
        }
        position = 0
        started = false
        if playing { fadeStep = Float(1 / (0.01 * sampleRate)) }
        return true
    }

    private func retire(_ object: RetiredObject) {
        // The control thread drains this queue often; if it is ever full the
        // object leaks rather than being freed here.
        _ = retired.push(object)
    }

    private func synthesizeHop() {
        let k = kernel.takeUnretainedValue()
        let v = voice.takeUnretainedValue()
        let n = k.shape.fftSize, hop = k.shape.hop, bins = k.binCount
        let acc = k.accumulator.baseAddress!
        if started {
            acc.update(from: acc + hop, count: n - hop)
            (acc + n - hop).update(repeating: 0, count: hop)
        }
        started = true
        position = 0
        status.hops.wrappingIncrement(ordering: .relaxed)

        let latentCount = v.latentCount
        if walking {
            walkClock += Double(hop) / sampleRate
            let interval = Double(parameters[EngineParameter.walkInterval.ordinal])
            let step = parameters[EngineParameter.walkStep.ordinal]
            while walkClock >= interval {
                walkClock -= interval
                for d in 0..<latentCount {
                    target[d] = min(1, max(0, target[d] + (random.nextUnit() - 0.5) * step))
                }
            }
        }
        let glide = Double(parameters[EngineParameter.glide.ordinal])
        let approach = glide <= 0 ? 1 : Float(1 - exp(-Double(hop) / (glide * sampleRate)))
        for d in 0..<latentCount {
            current[d] += (target[d] - current[d]) * approach
            status.storeLatent(d, current[d])
        }
        if latentChanged {
            latentChanged = false
            status.latentReflectedAt.store(UInt64(Self.now() * 1e9), ordering: .relaxed)
        }

        let mel = v.mel.baseAddress!
        v.decoder.decode(current, into: mel)
        let feedback = parameters[EngineParameter.feedback.ordinal]
        let brightness = parameters[EngineParameter.brightness.ordinal]
        let whitening = parameters[EngineParameter.whitening.ordinal]
        let level = v.maxIn / 32
        for i in 0..<v.melCount {
            var m = mel[i]
            if feedback > 0 { m = (1 - feedback) * m + feedback * v.previousMel[i] }
            v.previousMel[i] = m
            if brightness > 0 { m *= powf(v.bandPosition[i], brightness) }
            if whitening != 1 { m = powf(max(m, 0), whitening) }
            mel[i] = m * level
        }

        let magnitude = k.magnitude.baseAddress!
        k.filterbank.melToSpectrum(mel, magnitude)
        let smoothing = parameters[EngineParameter.smoothing.ordinal]
        let spectrum = k.fft.spectrum
        spectrum[0] = 0
        spectrum[1] = 0
        for b in 1..<bins {
            let m = min(max(magnitude[b], 0), 10000) * k.tilt[b]
            let s = (1 - smoothing) * m + smoothing * k.smoothed[b]
            k.smoothed[b] = s
            let phase = phaseTable[Int(random.next() >> 52)]
            spectrum[2 * b] = s * phase.x
            spectrum[2 * b + 1] = s * phase.y
        }
        spectrum[2 * bins] = 0
        spectrum[2 * bins + 1] = 0
        k.fft.inverse()
        let samples = k.fft.samples
        let window = k.window.baseAddress!
        for i in 0..<n { acc[i] += samples[i] * window[i] }
    }
}

/// xoshiro256** — fast, good quality, and deterministic for a seed.
struct RandomSource {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64) {
        var seeder = SplitMix64(seed: seed)
        s = (seeder.next(), seeder.next(), seeder.next(), seeder.next())
    }

    @inline(__always)
    mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// Uniform in [0, 1).
    @inline(__always)
    mutating func nextUnit() -> Float { Float(next() >> 40) / Float(1 << 24) }
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
