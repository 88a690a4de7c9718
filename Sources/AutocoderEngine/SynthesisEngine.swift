// The engine: a mixer of voices of every kind (SPEC §3, §5). Each voice slot
// renders its mono samples, which its level and routing spread over the
// output channels; the mix gets the master gain ramp and the look-ahead peak
// limiter (nothing reaches −1 dBFS), and goes to the output and the recording
// tap. Generative voices that share a decoder decode their hops together
// (`SynthesisEngine+Decoding.swift`).
//
// Threading (one control thread, one render thread, as in scsynth):
// - The control thread uses the control face (`SynthesisEngine+Control.swift`:
//   add, reshape, give a model, free, send a command, collect what the render
//   thread let go). Voices, kernels and models are built there, cross to the
//   render thread through a lock-free SPSC queue, and come back through a
//   second one to be freed off the audio thread. `Unmanaged` never leaves this
//   module.
// - The render thread calls `render` only. It never allocates, locks, logs or
//   waits: it applies queued commands at the start of each call, and
//   scheduled ones at their frame (`SynthesisEngine+Schedule.swift`), the
//   call split there.
// - Figures leave through the atomics of `status` (and each voice's
//   `VoiceStatus`); output samples leave through the `tap` ring, which a
//   recorder drains on its own thread.

import Atomics
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

    /// Without an array (the render thread's form).
    init(values: SIMD32<Float>, count: Int) {
        self.values = values
        self.count = count
    }
}

/// What crosses from the control face to the render thread.
enum EngineCommand {
    case voice(id: Int, VoiceCommand)
    case add(id: Int, VoiceContent, level: Float, out: Int, pan: Float)
    /// A new model with the voice's frame layout, from its next hop on.
    case model(id: Int, Unmanaged<LoadedModel>)
    /// A new FFT size, hop or frame layout for a generative voice (with its new
    /// model, when the layout changes): warmed up and crossfaded in.
    case kernel(id: Int, Unmanaged<SynthesisKernel>, model: Unmanaged<LoadedModel>?)
    case granularSource(id: Int, Unmanaged<GranularVoice>?)
    case autocodeVoice(id: Int, Unmanaged<AutocodeVoice>?)
    case filterSource(id: Int, FilterSource)
    case free(id: Int)
    case decodeBuffers(Unmanaged<DecodeBuffers>)

    /// Hands `body` every object the command carries: to be released on the
    /// control thread when the command never reached the render thread, or
    /// retired by the render thread when it has nowhere to go.
    func forEachCarried(_ body: (RetiredObject) -> Void) {
        switch self {
        case let .add(_, content, _, _, _): content.forEachObject(body)
        case let .model(_, m): body(.voice(m))
        case let .kernel(_, k, m):
            body(.kernel(k))
            if let m { body(.voice(m)) }
        case let .granularSource(_, g): if let g { body(.granular(g)) }
        case let .autocodeVoice(_, a): if let a { body(.autocode(a)) }
        case let .filterSource(_, .loop(l)): body(.soundLoop(l))
        case .filterSource: break
        case let .decodeBuffers(b): body(.decodeBuffers(b))
        case .voice, .free: break
        }
    }
}

public final class SynthesisEngine: @unchecked Sendable {
    public let sampleRate: Double
    public let channels: Int
    public let status: EngineStatus
    /// Interleaved copies of every rendered block, for the recorder.
    public let tap: SampleRing
    /// The device input, mixed to mono, while `tapsInput` is on (for listening).
    public let inputTap: SampleRing
    /// Whether the render thread copies the device input into `inputTap`.
    public let tapsInput = ManagedAtomic<Bool>(false)
    /// Voices the engine can hold at once (its slots are preallocated).
    public let maxVoices: Int
    /// IDs run from 1 to `maxID`.
    public static let maxID = 1100

    private let commands = SPSCQueue<EngineCommand>(capacity: 8192)
    /// Scheduled commands on their way to the render thread's heap, which
    /// holds them until their frame; each holds as many as may be pending.
    let scheduleQueue = SPSCQueue<ScheduledCommand>(capacity: SynthesisEngine.scheduleCapacity)
    let schedule = CommandHeap(capacity: SynthesisEngine.scheduleCapacity)
    /// The sample clock's line against the wall clock (`SampleClockLine`): its
    /// offset in nanoseconds, published by the render thread; `Int64.min` before the first call.
    let clockOffset = ManagedAtomic<Int64>(.min)
    let retirement = Retirement()
    /// IDs of freed voices, for the control thread to announce.
    private let freedVoices = SPSCQueue<Int>(capacity: 2048)

    // Render-thread state. Only `render` (and `init`/`deinit`) touch these.
    /// The sample clock: frames rendered before the current call.
    var clock = 0
    var clockLine: SampleClockLine
    let slots: UnsafeMutablePointer<VoiceSlot>
    var slotCount = 0
    /// Slot index of each ID, −1 for none.
    private let slotOfID: UnsafeMutablePointer<Int32>
    private var gain: Float
    private var gainTarget: Float
    private var smoothedLoad = 0.0
    let phaseTable: UnsafeMutablePointer<SIMD2<Float>>
    private static let phaseTableSize = 4096
    /// The interleaved mix of the current chunk; one voice's mono samples; the
    /// incoming autocode voice's; the input mixed to mono.
    private let mix: UnsafeMutablePointer<Float>
    private let voiceMix: UnsafeMutablePointer<Float>
    /// A voice's second signal (its other channels), when it has one.
    private let voiceSecond: UnsafeMutablePointer<Float>
    private let incomingMix: UnsafeMutablePointer<Float>
    private let monoInput: UnsafeMutablePointer<Float>
    static let chunk = 1024
    /// Each slot's latest output (before its level and routing), for filter
    /// voices that take it as their input one chunk later: `sendLength`
    /// samples per slot, each stored twice so a chunk's read is contiguous.
    private let sends: UnsafeMutablePointer<Float>
    private static let sendLength = 2 * chunk
    /// Samples rendered so far, in chunks: where the sends are written.
    private var sendClock = 0
    /// Crossfade of a replaced kernel or autocode voice into its successor.
    static let crossfadeSeconds = 0.03
    /// The last stage, one per channel: nothing reaches full scale at any gain.
    private let limiters: [PeakLimiter]
    /// Samples between a rendered sample and its output (the limiter's look-ahead).
    public var outputLatency: Int { limiters[0].latency }
    /// Memory for the batched decode of the hops each render call plays.
    var decodeBuffers: Unmanaged<DecodeBuffers>

    // Control-thread state (the control face).
    var registry: [Int: VoiceRecord] = [:]
    /// Commands queued so far (`commandMark`).
    private var queuedCommands = 0
    /// The FFT size and hop every generative voice plays at.
    public internal(set) var shape: SynthesisShape
    var decodeCapacity: (rows: Int, scratch: Int, output: Int)
    /// Seeds every voice's walk and phases (with its ID).
    let seed: UInt64

    /// An engine at `sampleRate` whose voice 1 is a generative voice playing
    /// `model` at `shape` (every generative voice's, until `reshape`).
    public convenience init(model: LoadedModel, shape: SynthesisShape = .standard, sampleRate: Double = 44100, channels: Int = 2,
                            seed: UInt64 = 1, walking: Bool = true, playing: Bool = true, tapSeconds: Double = 8, maxVoices: Int = 256) {
        self.init(model: model, kernel: SynthesisKernel(shape: shape, sampleRate: sampleRate, layout: model.layout), channels: channels,
                  seed: seed, walking: walking, playing: playing, tapSeconds: tapSeconds, maxVoices: maxVoices)
    }

    init(model: LoadedModel, kernel: SynthesisKernel, channels: Int, seed: UInt64,
         walking: Bool, playing: Bool, tapSeconds: Double, maxVoices: Int) {
        precondition(model.layout == kernel.layout, "model and kernel disagree on the frame layout")
        precondition(model.latentCount <= LatentVector.capacity, "too many latent dimensions")
        precondition(channels >= 1 && maxVoices >= 1, "invalid engine")
        sampleRate = kernel.sampleRate
        clockLine = SampleClockLine(sampleRate: kernel.sampleRate)
        self.channels = channels
        self.maxVoices = maxVoices + 2   // and the unprefixed granular and autocode voices
        shape = kernel.shape
        self.seed = seed
        let primary = VoiceStatus()
        status = EngineStatus(primary: primary)
        tap = SampleRing(capacity: Int(tapSeconds * kernel.sampleRate) * channels)
        inputTap = SampleRing(capacity: Int(2 * kernel.sampleRate))
        slots = .allocate(capacity: self.maxVoices)
        slotOfID = .allocate(capacity: Self.maxID + 1)
        slotOfID.initialize(repeating: -1, count: Self.maxID + 1)
        gain = EngineParameter.gain.defaultValue
        gainTarget = gain
        limiters = (0..<channels).map { _ in PeakLimiter(sampleRate: kernel.sampleRate) }
        mix = .allocate(capacity: Self.chunk * channels)
        voiceMix = .allocate(capacity: Self.chunk)
        voiceSecond = .allocate(capacity: Self.chunk)
        incomingMix = .allocate(capacity: Self.chunk)
        monoInput = .allocate(capacity: Self.chunk)
        sends = .allocate(capacity: self.maxVoices * 2 * Self.sendLength)
        sends.initialize(repeating: 0, count: self.maxVoices * 2 * Self.sendLength)
        phaseTable = .allocate(capacity: Self.phaseTableSize)
        for i in 0..<Self.phaseTableSize {
            let phi = -Double.pi + 2 * Double.pi * Double(i) / Double(Self.phaseTableSize)
            phaseTable[i] = SIMD2(Float(cos(phi)), Float(sin(phi)))
        }
        decodeCapacity = DecodeBuffers.capacity(for: model, voices: self.maxVoices)
        decodeBuffers = .passRetained(DecodeBuffers(capacity: decodeCapacity))
        let first = makeGenerativeVoice(id: 1, model: .passRetained(model), kernel: .passRetained(kernel), walking: walking, playing: playing,
                                        status: primary)
        registry[1] = VoiceRecord(kind: .generative, model: model.name, layout: model.layout, status: primary)
        registry[1]?.latentCount = model.latentCount
        place(VoiceSlot(id: 1, content: .generative(first)))
    }

    deinit {
        while let command = commands.pop() { command.forEachCarried { $0.release() } }
        while let scheduled = scheduleQueue.pop() { scheduled.command.forEachCarried { $0.release() } }
        while let scheduled = schedule.removeFirst() { scheduled.command.forEachCarried { $0.release() } }
        for s in 0..<slotCount { slots[s].content.forEachObject(retirement.retire) }
        retirement.collect()
        decodeBuffers.release()
        (slots).deinitialize(count: slotCount)
        slots.deallocate()
        slotOfID.deallocate()
        for buffer in [mix, voiceMix, voiceSecond, incomingMix, monoInput, sends] { buffer.deallocate() }
        phaseTable.deallocate()
    }

    /// Queues a command for the render thread. Returns false, counts a drop and
    /// releases anything the command carried when the queue is full.
    @discardableResult
    func enqueue(_ command: EngineCommand) -> Bool {
        guard commands.push(command) else {
            command.forEachCarried { $0.release() }
            status.droppedCommands.wrappingIncrement(ordering: .relaxed)
            return false
        }
        queuedCommands += 1
        return true
    }

    /// A mark of every command queued so far (control thread): `hasTaken(mark)`
    /// tells when the render thread has taken them all.
    public var commandMark: Int { queuedCommands }

    /// Whether the render thread has taken every command queued before `mark`.
    public func hasTaken(_ mark: Int) -> Bool { status.takenCommands.load(ordering: .acquiring) >= mark }

    /// The tap's reader: drops what the tap holds and returns the engine frame
    /// (the sample clock) of the next frame it will give — its frames so far
    /// and the frames it could not take.
    public func discardTap() -> Int {
        tap.discardAll()
        return tap.consumed / channels + status.tapDroppedFrames.load(ordering: .acquiring)
    }

    /// IDs of the voices freed since the last call (control thread).
    public func takeFreedVoices() -> [Int] {
        var ids: [Int] = []
        while let id = freedVoices.pop() {
            ids.append(id)
            registry[id] = nil
        }
        return ids
    }

    // MARK: Render thread

    /// Renders `frames` interleaved frames of `channels` channels into `output`.
    /// `input`, when given, holds `frames` interleaved frames of `inputChannels`
    /// channels for the autocode voices. Real-time safe.
    ///
    /// The call is split at the frames of scheduled commands: each part is
    /// played as a call of its own would be (its hops decoded ahead, then its
    /// samples), the commands due at its start applied first.
    public func render(_ output: UnsafeMutablePointer<Float>, frames: Int,
                       input: UnsafePointer<Float>? = nil, inputChannels: Int = 0) {
        let started = Self.now()
        status.renderThread.store(UInt(pthread_self()), ordering: .relaxed)
        anchorClock()
        var taken = 0
        while let command = commands.pop() {
            apply(command)
            taken += 1
        }
        if taken > 0 { status.takenCommands.wrappingIncrement(by: taken, ordering: .releasing) }
        takeScheduled()

        var clipped = 0
        var done = 0
        repeat {
            let end = applyScheduled(at: done, frames: frames)
            decodeAhead(frames: end - done)
            clipped += renderPart(output, from: done, to: end, input: input, inputChannels: inputChannels)
            done = end
        } while done < frames
        var reduction: Float = 0, limited = 0
        for limiter in limiters {
            reduction = max(reduction, limiter.takeGainReduction())
            limited += limiter.limitedSamples
        }
        status.publishLimiter(reduction: reduction, limitedSamples: limited)

        let fitted = tap.write(output, count: frames * channels)
        if fitted < frames * channels {
            status.tapDroppedFrames.wrappingIncrement(by: (frames * channels - fitted) / channels, ordering: .relaxed)
        }
        if clipped > 0 { status.clippedSamples.wrappingIncrement(by: clipped, ordering: .relaxed) }
        clock += frames
        status.renderedFrames.wrappingIncrement(by: frames, ordering: .relaxed)
        status.blockFrames.store(frames, ordering: .relaxed)
        let elapsed = Self.now() - started
        let load = elapsed / (Double(frames) / sampleRate)
        smoothedLoad = smoothedLoad == 0 ? load : 0.95 * smoothedLoad + 0.05 * load
        status.publish(load: smoothedLoad, instantLoad: load)
    }

    /// Frames [start, end) of the call: every voice, mixed, at the gain, through
    /// the limiter, into `output`. Returns how many samples reached full scale.
    @inline(__always)
    private func renderPart(_ output: UnsafeMutablePointer<Float>, from start: Int, to end: Int,
                            input: UnsafePointer<Float>?, inputChannels: Int) -> Int {
        let gainStep = Float(1 / (0.02 * sampleRate))
        let levelStep = gainStep
        let fadeStep = Float(1 / (0.05 * sampleRate))
        var clipped = 0
        var done = start
        while done < end {
            let count = min(end - done, Self.chunk)
            mix.update(repeating: 0, count: count * channels)
            let mono = monoInput(input, channels: inputChannels, from: done, count: count)
            if let mono, tapsInput.load(ordering: .relaxed) { inputTap.write(mono, count: count) }
            var s = 0
            while s < slotCount {
                status.playedLatents.begin(frame: clock + done, voice: slots[s].id)
                let second = renderSlot(s, input: mono, count: count)
                keepSend(s, count: count)
                slots[s].mix(voiceMix, second: second ? UnsafePointer(voiceSecond) : nil, into: mix, count: count, channels: channels,
                             levelStep: levelStep, fadeStep: fadeStep)
                if slots[s].isFreed {
                    remove(s)
                } else {
                    s += 1
                }
            }
            for i in 0..<count {
                gain += max(-gainStep, min(gainStep, gainTarget - gain))
                let frame = mix + i * channels
                for c in 0..<channels { frame[c] *= gain }
            }
            for c in 0..<channels { limiters[c].process(mix + c, count: count, stride: channels) }
            let out = output + done * channels
            for i in 0..<count * channels {
                let sample = mix[i]
                // A witness: the limiter's ceiling is below full scale.
                if abs(sample) >= 1 { clipped += 1 }
                out[i] = sample
            }
            done += count
            sendClock += count
        }
        return clipped
    }

    /// Slot `s`'s next `count` samples into `voiceMix` (and its second signal
    /// into `voiceSecond`: returns whether it has one).
    @inline(__always)
    private func renderSlot(_ s: Int, input: UnsafePointer<Float>?, count: Int) -> Bool {
        switch slots[s].content {
        case let .generative(unmanaged):
            let voice = unmanaged.takeUnretainedValue()
            var filterInput: UnsafePointer<Float>?
            switch voice.filter?.source {
            case .device: filterInput = input
            case let .voice(id): if let source = slot(id) { filterInput = send(of: source, count: count) }
            default: break
            }
            return voice.render(into: voiceMix, second: slots[s].spreads(channels: channels) ? voiceSecond : nil, count: count,
                                input: filterInput)
        case var .granular(player):
            voiceMix.update(repeating: 0, count: count)
            if !player.render(adding: voiceMix, count: count, retirement: retirement, status: status) {
                voiceMix.update(repeating: 0, count: count)
            }
            slots[s].content = .granular(player)
        case var .autocode(player):
            voiceMix.update(repeating: 0, count: count)
            player.render(input: input, adding: voiceMix, scratch: incomingMix, count: count, retirement: retirement, status: status)
            slots[s].content = .autocode(player)
        }
        return false
    }

    /// Keeps slot `s`'s `count` samples just rendered (in `voiceMix`) as its send.
    @inline(__always)
    private func keepSend(_ s: Int, count: Int) {
        let send = sends + s * 2 * Self.sendLength
        for i in 0..<count {
            let at = (sendClock + i) & (Self.sendLength - 1)
            send[at] = voiceMix[i]
            send[at + Self.sendLength] = voiceMix[i]
        }
    }

    /// Slot `s`'s output of one chunk ago, for this chunk's `count` samples.
    @inline(__always)
    private func send(of s: Int, count: Int) -> UnsafePointer<Float> {
        UnsafePointer(sends + s * 2 * Self.sendLength + (sendClock - Self.chunk) & (Self.sendLength - 1))
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

    func apply(_ command: EngineCommand) {
        status.appliedCommands.wrappingIncrement(ordering: .relaxed)
        switch command {
        case let .voice(_, .parameter(.gain, value)):
            gainTarget = value
        case let .voice(id, voiceCommand):
            guard let s = slot(id) else { return }
            switch voiceCommand {
            case let .level(value): slots[s].setLevel(value)
            case let .route(out, pan): slots[s].route(out: out, pan: pan, channels: channels)
            case let .morph(morph):
                // The slot glides the level; the voice, everything else.
                guard case let .generative(voice) = slots[s].content else { return }
                slots[s].glideLevel(to: morph.level, frames: morph.frames, curve: morph.curve)
                voice.takeUnretainedValue().apply(voiceCommand)
            default:
                switch slots[s].content {
                case let .generative(voice): voice.takeUnretainedValue().apply(voiceCommand)
                case let .granular(player): player.apply(voiceCommand)
                case var .autocode(player):
                    player.apply(voiceCommand)
                    slots[s].content = .autocode(player)
                }
            }
        case let .add(id, content, level, out, pan):
            guard slotCount < maxVoices, id >= 1, id <= Self.maxID, slotOfID[id] < 0 else {
                return command.forEachCarried(retirement.retire)
            }
            var slot = VoiceSlot(id: id, content: content, level: level)
            slot.route(out: out, pan: pan, channels: channels)
            place(slot)
        case let .model(id, model):
            guard let s = slot(id), case let .generative(voice) = slots[s].content else { return command.forEachCarried(retirement.retire) }
            voice.takeUnretainedValue().install(model)
        case let .kernel(id, kernel, model):
            guard let s = slot(id), case let .generative(voice) = slots[s].content else { return command.forEachCarried(retirement.retire) }
            voice.takeUnretainedValue().reshape(kernel, model: model)
        case let .granularSource(id, source):
            guard let s = slot(id), case var .granular(player) = slots[s].content else { return command.forEachCarried(retirement.retire) }
            player.replace(with: source, retirement: retirement)
            slots[s].content = .granular(player)
        case let .autocodeVoice(id, voice):
            guard let s = slot(id), case var .autocode(player) = slots[s].content else { return command.forEachCarried(retirement.retire) }
            player.replace(with: voice, retirement: retirement)
            slots[s].content = .autocode(player)
        case let .filterSource(id, source):
            guard let s = slot(id), case let .generative(voice) = slots[s].content, let filter = voice.takeUnretainedValue().filter else {
                return command.forEachCarried(retirement.retire)
            }
            filter.replaceSource(with: source) { retirement.retire(.soundLoop($0)) }
        case let .free(id):
            guard let s = slot(id) else { return }
            slots[s].free()
        case let .decodeBuffers(buffers):
            retirement.retire(.decodeBuffers(decodeBuffers))
            decodeBuffers = buffers
        }
    }

    @inline(__always)
    private func slot(_ id: Int) -> Int? {
        guard id >= 0, id <= Self.maxID else { return nil }
        let s = Int(slotOfID[id])
        return s >= 0 ? s : nil
    }

    private func place(_ slot: VoiceSlot) {
        (sends + slotCount * 2 * Self.sendLength).update(repeating: 0, count: 2 * Self.sendLength)
        (slots + slotCount).initialize(to: slot)
        slotOfID[slot.id] = Int32(slotCount)
        slotCount += 1
    }

    /// Slot `s` leaves the mixer: what it holds goes back to the control thread,
    /// the last slot takes its place, and the control thread is told.
    private func remove(_ s: Int) {
        let id = slots[s].id
        slots[s].content.forEachObject(retirement.retire)
        slotOfID[id] = -1
        slotCount -= 1
        if s != slotCount {
            slots[s] = slots[slotCount]
            slotOfID[slots[s].id] = Int32(s)
            (sends + s * 2 * Self.sendLength).update(from: sends + slotCount * 2 * Self.sendLength, count: 2 * Self.sendLength)
        }
        (slots + slotCount).deinitialize(count: 1)
        _ = freedVoices.push(id)
    }
}
