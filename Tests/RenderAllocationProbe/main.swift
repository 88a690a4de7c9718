// Runs the engine on a real output (the native JACK client when a JACK server
// runs, else PortAudio when a device can play, else the null output) with
// malloc-interposer preloaded, fires every kind of control command at it,
// including model and FFT swaps, morphs, with a granular voice and an autocode voice
// (on a looped sound, and on the device's input when it has one) playing,
// generative voices created, routed, decoded in batches and freed; filter
// voices (on the device's input, on a looped sound, one on another's output)
// created, given other inputs and every filter control, reshaped and given
// other models while they play, and freed — reshapes to every kind of shape (crossfades, some overlapping),
// models of another band count, a model that overflows to NaN, `.fft.dec`
// models on both of their paths (the standard matrix, played from its mel
// values; another matrix, its linear bins mapped by frequency, also as the
// autocode voice's carrier) — and scheduled commands for every kind of voice
// (gain, level, latent, play, parameters; most due within the coming calls,
// some already past, the schedule now and then filled until it refuses more)
// — and reports how many heap allocations the
// render thread made; then how many the batched decode made
// (BatchedDecodeProbe). Throughout, the voices' played latents are on (as
// while a take records its trajectory) and taken off-thread. Run by AutocoderServerTests:
//
//   LD_PRELOAD=.build/debug/libMallocInterposerSwift.so render-allocation-probe MODEL [seconds] [--null]

import AutocoderAudio
import AutocoderDSP
import AutocoderEngine
import AutocoderModel
import Foundation
import MallocInterposerSwift

let arguments = CommandLine.arguments
let anchor = arguments[1]
let seconds = arguments.count > 2 ? Double(arguments[2]) ?? 3 : 3
let forceNull = arguments.contains("--null")

MallocInterposerSwift.initialize()
let bundle = try ModelBundle(anchor: anchor, parts: [.decoder, .encoder])
var request = AudioOutputRequest()
request.jackClientName = "autocoder-allocation-probe"
request.nullOutput = forceNull
// One input channel where the output has inputs to give (JACK always can), so
// the device-input path of the autocode voice runs too.
request.inputChannels = 1
var output = try request.open()
if let device = output as? PortAudioOutput, device.device.inputChannels == 0 {
    request.inputChannels = 0
    output = try request.open()
}
let sampleRate = output.sampleRate
let engine = SynthesisEngine(model: try LoadedModel(bundle: bundle), shape: .standard, sampleRate: sampleRate,
                             channels: request.channels, maxVoices: 64)
let granularID = 1025, autocodeID = 1026

// Material for the generative voices: a second of tone bursts, and a table
// that walks it.
let bursts = (0..<Int(sampleRate)).map { i in (i / 4410) % 2 == 0 ? sinf(Float(i) * 0.07) * 0.3 : 0 }
let table = try DistanceTable(order: (0..<40 * 6).map { ($0 * 7 + 3) % 40 }, neighbours: 6)
func granularVoice() -> GranularVoice {
    let voice = GranularVoice(source: bursts, sampleRate: sampleRate, table: table)
    voice.play(true)
    return voice
}
/// The training notebook's `.fft.dec` over the bundled model's mel decoder:
/// with the standard inversion matrix at 8192, or with its weights squared
/// (no filterbank: its 4096 bins are mapped by frequency).
func fftDecoder(standard: Bool) throws -> SynthesisSource {
    let bank = MelFilterbank(filterCount: 512, fftSize: 8192)
    let matrix = (0..<512).flatMap { band in (0..<4096).map { bin -> Float in
        let w = bank.inversionWeight(filter: band, bin: bin)
        return standard ? w : w * w
    } }
    let bytes = TFLiteWriter.linearSpectrumDecoder(DenseLayer.layers(of: try TFLiteModel(contentsOf: anchor + ".dec")), matrix: matrix)
    let plan = try InferencePlan(model: try TFLiteModel(bytes: bytes, path: "probe.fft.dec"), path: "probe.fft.dec")
    return SynthesisSource(try Decoder(plan: plan, metadata: bundle.metadata, path: "probe.fft.dec", linearSpectrum: true))
}
let standardFFT = try fftDecoder(standard: true), mappedFFT = try fftDecoder(standard: false)
func fftVoice(_ source: SynthesisSource) -> LoadedModel {
    LoadedModel(decoder: Decoder(sharing: source.decoder), maxIn: bundle.metadata.maxIn, name: "fft")
}
func autocodeVoice(loop: Bool, carrier: Decoder? = nil) throws -> AutocodeVoice {
    let voice = try AutocodeVoice(encoder: bundle.encoder!, decoder: carrier ?? bundle.decoder!, shape: .standard, sampleRate: sampleRate,
                                  loop: loop ? bursts : nil)
    voice.play(true)
    return voice
}
/// A model built here: `bands` mel bands from random weights, or one whose
/// weights overflow to NaN (the engine must silence it without allocating).
func syntheticVoice(bands: Int, overflowing: Bool = false) throws -> LoadedModel {
    let hidden = DenseLayer(weights: (0..<16 * 8).map { _ in overflowing ? 1e30 : Float.random(in: -1...1) },
                            bias: [Float](repeating: 0, count: 16), inputs: 8, outputs: 16)
    let out = DenseLayer(weights: (0..<bands * 16).map { i in overflowing ? (i % 2 == 0 ? 1e30 : -1e30) : Float.random(in: -1...1) },
                         bias: [Float](repeating: 0, count: bands), inputs: 16, outputs: bands)
    let model = try TFLiteModel(bytes: TFLiteWriter.decoder([hidden, out]), path: "synthetic.dec")
    let decoder = try Decoder(plan: try InferencePlan(model: model, path: "synthetic.dec"), metadata: bundle.metadata, path: "synthetic.dec")
    return LoadedModel(decoder: decoder, maxIn: bundle.metadata.maxIn, name: "synthetic")
}
func shape(_ fft: Int, _ hop: Int) throws -> SynthesisShape { try SynthesisShape.validated(fftSize: fft, hop: hop).get() }
let shapes = [(2048, 256), (4096, 512), (256, 32), (16384, 8192), (4096, 64), (1024, 32)]

let hasInput = output.inputChannels > 0
try engine.addGranularVoice(id: granularID, source: granularVoice())
try engine.addAutocodeVoice(id: autocodeID, voice: try autocodeVoice(loop: !hasInput))
/// Filter voices: on the device's input (a looped sound without one), on a
/// looped sound, and on the second's output.
let deviceFilter = 10, loopFilter = 11, chainedFilter = 12
let filterIDs = [deviceFilter, loopFilter, chainedFilter]
func soundLoop() -> SoundLoop { SoundLoop(name: "bursts", samples: bursts) }
/// Adds those of them that are not there (again, after they were freed).
func addFilterVoices() throws {
    let inputs: [(Int, FilterInput)] = [(deviceFilter, hasInput ? .device : .loop(soundLoop())), (loopFilter, .loop(soundLoop())),
                                        (chainedFilter, .voice(loopFilter))]
    for (id, input) in inputs where engine.voices[id] == nil {
        try engine.addGenerativeVoice(id: id, model: try LoadedModel(bundle: bundle), filter: input)
    }
}
try addFilterVoices()
/// Generative voices that come and go (2…9), sharing voice 1's decoder so they decode in batches.
var extraVoices: [Int] = []

/// A morph of each sort in turn: at once or over up to half a second, either
/// curve, ending walking or not, with every control a morph carries.
func probeMorph(_ step: Int) -> Morph {
    Morph(latent: LatentVector((0..<8).map { _ in Float.random(in: 0...1) }),
          controls: [(.glide, 0.05), (.walkStep, 0.2), (.brightness, Float.random(in: 0...1)), (.whitening, 0.8), (.feedback, 0.3), (.smoothing, 0.8)],
          walking: step % 3 == 0, level: Float.random(in: 0.5...1), frames: [0, 4410, 22050][step % 3],
          curve: step % 2 == 0 ? .linear : .ease, serial: step + 1)
}

/// Scheduled commands: sent, and refused because the schedule was full.
var scheduled = 0, refused = 0
/// Commands for each voice there is, at frames spread over the next four
/// blocks and the one just past; every 36 steps, commands over the next 0.2 s
/// until the schedule is full.
@MainActor func scheduleCommands(step: Int) {
    let now = engine.renderedFrame, block = output.blockSize
    let ids = [1, granularID, autocodeID] + extraVoices + filterIDs.filter { engine.voices[$0] != nil }
    func schedule(_ command: VoiceCommand, to id: Int, at frame: Int) {
        do {
            try engine.send(command, to: id, atFrame: frame)
            scheduled += 1
        } catch {
            refused += 1
        }
    }
    for (k, id) in ids.enumerated() {
        let frame = now + (k * 97 + step * 31) % (5 * block) - block
        let kind = engine.voices[id]?.kind
        schedule(.level(Float.random(in: 0.5...1)), to: id, at: frame)
        schedule(.play(step % 7 != 0), to: id, at: frame + block / 3)
        if kind?.playsModel == true {
            schedule(.latent(LatentVector((0..<8).map { _ in Float.random(in: 0...1) })), to: id, at: frame + 1)
            schedule(.latentDimension(index: k % 8, value: Float.random(in: 0...1)), to: id, at: frame + 2)
            schedule(.parameter(.brightness, Float.random(in: 0...1)), to: id, at: frame)
            schedule(.parameter(.smoothing, Float.random(in: 0...0.9)), to: id, at: frame + block)
            schedule(.morph(probeMorph(step + k)), to: id, at: frame + 3)
        } else if kind == .granular {
            schedule(.granular(.size, Float.random(in: 0.02...0.2)), to: id, at: frame)
        }
    }
    // The gain as the steps drive it (the limiter hard from step 4 to 8).
    schedule(.parameter(.gain, (4...8).contains(step % 36) ? 4 : 1), to: 1, at: now + block / 2)
    if step % 36 == 18 {
        let span = Int(0.2 * sampleRate)
        for n in 0... {
            guard (try? engine.send(.level(Float(n % 5) / 4 + 0.5), to: ids[n % ids.count], atFrame: now + n % span)) != nil else { break }
            scheduled += 1
        }
        refused += 1
    }
}
try output.start(engine)
Thread.sleep(forTimeInterval: 1)   // first touches of memory, FFTW's first run

watchedThread = pthread_t(engine.status.renderThread.load(ordering: .relaxed))
let framesBefore = engine.status.renderedFrames.load(ordering: .relaxed)
let commandsBefore = engine.status.appliedCommands.load(ordering: .relaxed)
engine.status.playedLatents.isOn.store(true, ordering: .relaxed)
var playedRows = 0
MallocInterposerSwift.setAllocationHook(countWatchedThreadAllocations)
MallocInterposerSwift.hook()

let start = Date()
var step = 0
while Date().timeIntervalSince(start) < seconds {
    switch step % 36 {
    case 0: engine.send(.latent(LatentVector((0..<8).map { _ in Float.random(in: 0...1) })))
    case 1:
        engine.send(.latentDimension(index: step % 8, value: Float.random(in: 0...1)))
        // Morphs for every voice that plays a model (and one the granular voice ignores), some cut short by the next.
        for id in [1, granularID] + extraVoices + filterIDs where engine.voices[id] != nil { engine.send(.morph(probeMorph(step)), to: id) }
    case 2: for parameter in EngineParameter.allCases { engine.send(.parameter(parameter, parameter.defaultValue * 0.9)) }
    case 3:
        engine.send(.walk(step % 20 < 10))
        // Every phase mode, for voice 1 and the voices that come and go, at a width that changes.
        let phase = PhaseMode.allCases[(step / 36) % PhaseMode.allCases.count]
        for id in [1] + extraVoices { engine.send(.phase(phase), to: id) }
        engine.send(.parameter(.width, [1, 0, 0.5][(step / 36) % 3]))
    case 4:
        engine.send(.parameter(.feedback, 0.5)); engine.send(.parameter(.brightness, 0.7)); engine.send(.parameter(.whitening, 0.6))
        // Drives the output limiter hard until case 9 (each model calibrated at its load).
        engine.send(.parameter(.gain, 4))
    case 5: try engine.setModel(try LoadedModel(bundle: bundle))
    case 6:
        // Every kind of reshape, some arriving during another's warm-up or crossfade.
        let (fft, hop) = shapes[(step / 24) % shapes.count]
        engine.reshape(try shape(fft, hop))
    case 7: engine.send(.play(false))
    case 8: engine.send(.play(true))
    case 9: engine.send(.reset); engine.send(.parameter(.gain, 1))
    case 10: for parameter in GranularParameter.allCases { engine.send(.granular(parameter, parameter.defaultValue * 1.1), to: granularID) }
    case 11: engine.send(.granularJump(step % 40), to: granularID); engine.send(.play(step % 40 < 20), to: granularID)
    case 12: engine.send(.play(true), to: granularID); engine.send(.granular(.size, 0.02), to: granularID); engine.send(.granular(.rate, 200), to: granularID)
    case 13: try engine.setGranularSource(granularVoice(), name: "bursts", voice: granularID)
    case 14: for mapping in AutocodeMapping.allCases { engine.send(.autocodeMapping(mapping, LatentVector([1, 0, 0.5, 2, 3, 1, 0, 1])), to: autocodeID) }
    case 15: engine.send(.level(0.8), to: autocodeID); engine.send(.autocodeResetRange, to: autocodeID)
    case 16: engine.send(.play(false), to: autocodeID)
    case 17: engine.send(.play(true), to: autocodeID)
    case 18: try engine.setAutocodeVoice(try autocodeVoice(loop: !hasInput || step % 40 < 20), name: "bursts", voice: autocodeID)
    case 19: try engine.setModel(try syntheticVoice(bands: 512, overflowing: true))
    case 20: try engine.setModel(try syntheticVoice(bands: 40))
    case 21: engine.reshape(try shape(2048, 128)); try engine.setModel(try LoadedModel(bundle: bundle))
    case 22: engine.reshape(try shape(512, 64)); engine.reshape(try shape(8192, 1024))
    // A `.fft.dec` of the standard matrix plays as a mel model: swapped in without a new kernel.
    case 24: engine.reshape(try shape(4096, 512)); try engine.setModel(fftVoice(standardFFT))
    // Another matrix: linear bins, on a kernel of their own, at a reshape and then swapped.
    case 25:
        let (fft, hop) = shapes[(step / 27) % shapes.count]
        try engine.setModel(fftVoice(mappedFFT))
        engine.reshape(try shape(fft, hop))
        try engine.setModel(fftVoice(mappedFFT))
    case 26: try engine.setAutocodeVoice(try autocodeVoice(loop: !hasInput, carrier: mappedFFT.decoder), name: "fft", voice: autocodeID)
    case 27:
        // New generative voices (voice 1's decoder: decoded together), routed and levelled.
        for _ in 0..<3 where extraVoices.count < 8 {
            let id = (2...9).first { !extraVoices.contains($0) && engine.voices[$0] == nil }!
            try engine.addGenerativeVoice(id: id, model: try LoadedModel(bundle: bundle), out: id % (request.channels + 1),
                                          pan: Float(id % 3) - 1)
            engine.send(.latent(LatentVector((0..<8).map { _ in Float.random(in: 0...1) })), to: id)
            extraVoices.append(id)
        }
    case 28:
        for id in extraVoices {
            engine.send(.route(out: Int.random(in: 0...request.channels), pan: Float.random(in: -1...1)), to: id)
            engine.send(.level(Float.random(in: 0...2)), to: id)
        }
    case 29:
        // Some voices freed (they fade out, then leave the mixer).
        for id in extraVoices.prefix(2) { try engine.freeVoice(id) }
        extraVoices.removeFirst(min(2, extraVoices.count))
    case 30:
        // Filter voices back after being freed, each control of theirs at a value of its range.
        try addFilterVoices()
        for id in filterIDs {
            for parameter in EngineParameter.allCases where parameter.kinds.contains(.filter) {
                engine.send(.parameter(parameter, Float.random(in: parameter.range)), to: id)
            }
            engine.send(.latent(LatentVector((0..<8).map { _ in Float.random(in: 0...1) })), to: id)
            engine.send(.walk(step % 72 < 36), to: id)
        }
    case 31:
        // Other inputs: the loops swap with the device's input, the chain changes its source.
        let swap = step % 72 < 36
        try engine.setFilterInput(swap || !hasInput ? .loop(soundLoop()) : .device, voice: deviceFilter)
        try engine.setFilterInput(swap && hasInput ? .device : .loop(soundLoop()), voice: loopFilter)
        try engine.setFilterInput(swap ? .voice(deviceFilter) : .silence, voice: chainedFilter)
    case 32:
        // Reshaped while they play; another model (another layout: a kernel of its own), one that overflows.
        let (fft, hop) = shapes[(step / 36) % shapes.count]
        engine.reshape(try shape(fft, hop))
        try engine.setModel(try syntheticVoice(bands: 40), voice: deviceFilter)
        try engine.setModel(try syntheticVoice(bands: 512, overflowing: true), voice: loopFilter)
        try engine.setFilterInput(.voice(loopFilter), voice: chainedFilter)
    case 33:
        try engine.setModel(try LoadedModel(bundle: bundle), voice: deviceFilter)
        try engine.setModel(try LoadedModel(bundle: bundle), voice: loopFilter)
        engine.send(.play(false), to: loopFilter)
        engine.send(.parameter(.tail, 0.99), to: chainedFilter)
    case 34:
        engine.send(.play(true), to: loopFilter)
        for id in filterIDs { engine.send(.reset, to: id) }
    case 35:
        // Freed, the chain's source first (they fade out, then leave the mixer).
        for id in [loopFilter, chainedFilter, deviceFilter] { try engine.freeVoice(id) }
    default: try engine.setGranularSource(granularVoice(), name: "bursts", voice: granularID)
    }
    scheduleCommands(step: step)
    step += 1
    Thread.sleep(forTimeInterval: 0.03)
    engine.collectRetired()
    _ = engine.takeFreedVoices()
    while engine.status.playedLatents.take() != nil { playedRows += 1 }
}

MallocInterposerSwift.unhook()
MallocInterposerSwift.setAllocationHook(nil)
let callbacks = (engine.status.renderedFrames.load(ordering: .relaxed) - framesBefore) / output.blockSize
let applied = engine.status.appliedCommands.load(ordering: .relaxed) - commandsBefore
output.stop()
engine.collectRetired()
print("output: \(output.description)")
print("autocode input: \(hasInput ? "the device's input" : "a looped sound")")
print("filter voices: on \(hasInput ? "the device's input" : "a looped sound"), on a looped sound, on another's output")
print("callbacks: \(callbacks)")
print("commands applied: \(applied)")
print("scheduled commands: \(scheduled), \(engine.status.lateCommands.load(ordering: .relaxed)) late, \(refused) refused (the schedule full)")
print("played-latent rows: \(playedRows), \(engine.status.playedLatents.droppedRows.load(ordering: .relaxed)) dropped")
print("limiter: \(engine.status.limitedSamples.load(ordering: .relaxed)) samples reduced")
print("render-thread allocations: \(watchedThreadAllocations) (\(watchedThreadBytes) bytes)")
let batched = batchedDecodeAllocations([bundle.decoder!, standardFFT.decoder, mappedFFT.decoder])
print("batched-decode allocations: \(batched.count) (\(batched.bytes) bytes)")
