// The engine's control face: everything the control thread does to voices —
// add one of any kind, give a voice another model or source, reshape every
// generative voice, route, free, send a command — and what it knows of them.
// (Commands for a given frame: `SynthesisEngine+Schedule.swift`.)
// Kernels are built and objects retained here, so nothing outside this module
// handles `Unmanaged` or builds a synthesis kernel.
//
// Control thread only (one thread: the server's network thread, or whoever
// drives an offline render). The render thread never reads `registry`.

import Atomics
import AutocoderDSP
import AutocoderModel

/// What the control side knows of a voice.
public struct VoiceRecord: Sendable {
    public let kind: VoiceKind
    /// Anchor of its model (or source sound), "" before it has one.
    public internal(set) var model: String
    /// Frames its model makes, and its latent dimensions (generative voices).
    var layout: FrameLayout?
    public internal(set) var latentCount = 0
    public internal(set) var level: Float = 1
    public internal(set) var out = 0
    public internal(set) var pan: Float = 0
    /// The render thread's figures of it (generative voices).
    public let status: VoiceStatus?

    init(kind: VoiceKind, model: String, layout: FrameLayout? = nil, status: VoiceStatus? = nil) {
        self.kind = kind
        self.model = model
        self.layout = layout
        self.status = status
    }
}

/// A filter voice's input, as the control side names it.
public enum FilterInput: Sendable {
    case silence
    /// The device's input (mixed to mono).
    case device
    /// A sound played round and round.
    case loop(SoundLoop)
    /// Another voice's output (before its level and routing), one chunk
    /// (1024 samples) later.
    case voice(Int)
}

public enum VoiceError: Error, CustomStringConvertible, Equatable {
    case idInUse(Int)
    case idOutOfRange(Int)
    case full(Int)
    case noSuchVoice(Int)
    case wrongKind(Int, VoiceKind)
    case ownInput(Int)

    public var description: String {
        switch self {
        case let .idInUse(id): "voice \(id) exists already"
        case let .idOutOfRange(id): "voice ID \(id) is outside 1…\(SynthesisEngine.maxID)"
        case let .full(most): "the engine holds \(most) voices already (serve --max-voices sets how many)"
        case let .noSuchVoice(id): "there is no voice \(id)"
        case let .wrongKind(id, kind): "voice \(id) is a \(kind.rawValue) voice"
        case let .ownInput(id): "voice \(id) cannot take its own output as its input (its tail feeds it back: /voice/\(id)/tail)"
        }
    }
}

extension SynthesisEngine {
    /// Every voice, by ID.
    public var voices: [Int: VoiceRecord] { registry }

    /// Sends `command` to voice `id` (voice 1 by default). `.parameter(.gain, …)`
    /// sets the master gain, whichever voice it is sent to.
    @discardableResult
    public func send(_ command: VoiceCommand, to id: Int = 1) -> Bool {
        record(command, to: id)
        return enqueue(.voice(id: id, command))
    }

    /// What the registry keeps of a command sent (or scheduled) to voice `id`.
    func record(_ command: VoiceCommand, to id: Int) {
        switch command {
        case let .level(value): registry[id]?.level = value
        case let .morph(morph) where registry[id]?.kind.playsModel == true: registry[id]?.level = morph.level
        case let .route(out, pan): registry[id]?.out = out; registry[id]?.pan = pan
        default: break
        }
    }

    /// Adds a generative voice playing `model` at the engine's shape; with
    /// `filter`, a filter voice whose input that is.
    public func addGenerativeVoice(id: Int, model: LoadedModel, walking: Bool = true, playing: Bool = true,
                                   level: Float = 1, out: Int = 0, pan: Float = 0, filter input: FilterInput? = nil) throws {
        try checkNew(id)
        if case let .voice(source) = input { try checkFilterSource(source, for: id) }
        growDecodeBuffers(for: model)
        let status = VoiceStatus()
        let kernel = SynthesisKernel(shape: shape, sampleRate: sampleRate, layout: model.layout)
        // The hop work of many voices is spread over the render calls of a hop
        // (at block 256 and hop 512: half the voices in one call, half in the
        // next), each share still decoded together.
        // (Before the first render call the block is not known: no spreading.)
        let block = self.status.blockFrames.load(ordering: .relaxed)
        let phases = block > 0 ? max(1, shape.hop / block) : 1
        let generativeCount = registry.values.filter(\.kind.playsModel).count
        let filter = input.map { input in
            let stage = FilterStage(sampleRate: sampleRate, chunk: Self.chunk)
            stage.source = Self.source(input)
            return stage
        }
        let voice = makeGenerativeVoice(id: id, model: .passRetained(model), kernel: .passRetained(kernel), walking: walking,
                                        playing: playing, status: status, hopOffset: (generativeCount % phases) * block, filter: filter)
        var record = VoiceRecord(kind: filter == nil ? .generative : .filter, model: model.name, layout: model.layout, status: status)
        (record.level, record.out, record.pan, record.latentCount) = (level, out, pan, model.latentCount)
        registry[id] = record
        enqueue(.add(id: id, .generative(voice), level: level, out: out, pan: pan))
    }

    /// Adds a granular voice, with its source when there is one already.
    public func addGranularVoice(id: Int, source: GranularVoice?, name: String = "") throws {
        try checkNew(id)
        registry[id] = VoiceRecord(kind: .granular, model: name)
        enqueue(.add(id: id, .granular(GranularVoicePlayer(voice: source.map { .passRetained($0) })), level: 1, out: 0, pan: 0))
    }

    /// Adds an autocode voice, with its voice (model and input) when there is one already.
    public func addAutocodeVoice(id: Int, voice: AutocodeVoice?, name: String = "") throws {
        try checkNew(id)
        registry[id] = VoiceRecord(kind: .autocode, model: name)
        let player = AutocodeVoicePlayer(voice.map { .passRetained($0) }, crossfadeSamples: Int(Self.crossfadeSeconds * sampleRate))
        enqueue(.add(id: id, .autocode(player), level: 1, out: 0, pan: 0))
    }

    /// Gives generative or filter voice `id` another model: at its next hop when
    /// the frame layout is the same, else through a crossfade to a kernel for
    /// the new one.
    public func setModel(_ model: LoadedModel, voice id: Int = 1) throws {
        guard var record = registry[id] else { throw VoiceError.noSuchVoice(id) }
        guard record.kind.playsModel else { throw VoiceError.wrongKind(id, record.kind) }
        growDecodeBuffers(for: model)
        if record.layout == model.layout {
            enqueue(.model(id: id, .passRetained(model)))
        } else {
            let kernel = SynthesisKernel(shape: shape, sampleRate: sampleRate, layout: model.layout)
            enqueue(.kernel(id: id, .passRetained(kernel), model: .passRetained(model)))
            record.layout = model.layout
        }
        record.model = model.name
        record.latentCount = model.latentCount
        registry[id] = record
    }

    /// Gives granular voice `id` a new source (its old grains play out).
    public func setGranularSource(_ source: GranularVoice, name: String, voice id: Int) throws {
        guard let record = registry[id] else { throw VoiceError.noSuchVoice(id) }
        guard record.kind == .granular else { throw VoiceError.wrongKind(id, record.kind) }
        registry[id]?.model = name
        enqueue(.granularSource(id: id, .passRetained(source)))
    }

    /// Gives autocode voice `id` a new voice (model, shape or input), crossfaded
    /// in; nil silences it.
    public func setAutocodeVoice(_ voice: AutocodeVoice?, name: String, voice id: Int) throws {
        guard let record = registry[id] else { throw VoiceError.noSuchVoice(id) }
        guard record.kind == .autocode else { throw VoiceError.wrongKind(id, record.kind) }
        registry[id]?.model = name
        enqueue(.autocodeVoice(id: id, voice.map { .passRetained($0) }))
    }

    /// Gives filter voice `id` another input (a loop starts at its beginning).
    public func setFilterInput(_ input: FilterInput, voice id: Int) throws {
        guard let record = registry[id] else { throw VoiceError.noSuchVoice(id) }
        guard record.kind == .filter else { throw VoiceError.wrongKind(id, record.kind) }
        if case let .voice(source) = input { try checkFilterSource(source, for: id) }
        enqueue(.filterSource(id: id, Self.source(input)))
    }

    /// A new FFT size and hop for every generative and filter voice, each through a crossfade.
    public func reshape(_ newShape: SynthesisShape) {
        shape = newShape
        for (id, record) in registry where record.kind.playsModel {
            guard let layout = record.layout else { continue }
            let kernel = SynthesisKernel(shape: newShape, sampleRate: sampleRate, layout: layout)
            enqueue(.kernel(id: id, .passRetained(kernel), model: nil))
        }
    }

    /// Fades voice `id` out and retires it; `takeFreedVoices` then names it.
    public func freeVoice(_ id: Int) throws {
        guard registry[id] != nil else { throw VoiceError.noSuchVoice(id) }
        enqueue(.free(id: id))
    }

    /// The magnitudes generative voice `id` synthesises now (its active stream's
    /// smoothed spectrum, bins 0 ..< fftSize/2), for measuring a held voice.
    /// Only while nothing renders (offline, between render calls): it reads the
    /// render thread's state.
    public func synthesisedMagnitudes(ofVoice id: Int) -> [Float]? {
        for s in 0..<slotCount where slots[s].id == id {
            guard case let .generative(voice) = slots[s].content else { return nil }
            let kernel = voice.takeUnretainedValue().streams.active.kernel.takeUnretainedValue()
            return [0] + Array(kernel.smoothed[1...])
        }
        return nil
    }

    /// Releases what the render thread has finished with.
    public func collectRetired() { retirement.collect() }

    /// A generative voice whose walk and phases are seeded by the engine's seed
    /// and its ID, so the same voice sounds the same whatever else plays.
    func makeGenerativeVoice(id: Int, model: Unmanaged<LoadedModel>, kernel: Unmanaged<SynthesisKernel>, walking: Bool, playing: Bool,
                             status: VoiceStatus, hopOffset: Int = 0, filter: FilterStage? = nil) -> Unmanaged<GenerativeVoice> {
        var mixer = SplitMix64(seed: seed ^ (UInt64(id) &* 0x9E37_79B9_7F4A_7C15))
        let voiceSeed = id == 1 ? seed : mixer.next()
        return .passRetained(GenerativeVoice(model: model, kernel: kernel, sampleRate: sampleRate, seed: voiceSeed, walking: walking,
                                             playing: playing, phaseTable: UnsafePointer(phaseTable), status: status,
                                             engineStatus: self.status, retirement: retirement, chunk: Self.chunk,
                                             hopOffset: hopOffset, filter: filter))
    }

    private static func source(_ input: FilterInput) -> FilterSource {
        switch input {
        case .silence: .silence
        case .device: .device
        case let .loop(loop): .loop(.passRetained(loop))
        case let .voice(id): .voice(id)
        }
    }

    /// A voice may take another existing voice's output as its input, not its own.
    private func checkFilterSource(_ source: Int, for id: Int) throws {
        guard source != id else { throw VoiceError.ownInput(id) }
        guard registry[source] != nil else { throw VoiceError.noSuchVoice(source) }
    }

    private func checkNew(_ id: Int) throws {
        guard (1...Self.maxID).contains(id) else { throw VoiceError.idOutOfRange(id) }
        guard registry[id] == nil else { throw VoiceError.idInUse(id) }
        guard registry.count < maxVoices else { throw VoiceError.full(maxVoices) }
    }

    /// Bigger decode buffers when `model` needs more room than they have.
    private func growDecodeBuffers(for model: LoadedModel) {
        let needed = DecodeBuffers.capacity(for: model, voices: maxVoices)
        guard needed.scratch > decodeCapacity.scratch || needed.output > decodeCapacity.output else { return }
        decodeCapacity = (decodeCapacity.rows, max(needed.scratch, decodeCapacity.scratch), max(needed.output, decodeCapacity.output))
        enqueue(.decodeBuffers(.passRetained(DecodeBuffers(capacity: decodeCapacity))))
    }
}
