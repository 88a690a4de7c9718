// What the voices' addresses do (declared in OSCCommand+Voices.swift and the
// other families): making a voice, giving it a model, steering it — at once,
// or at its bundle's time — and hearing that it was freed. Network thread only.

import AutocoderEngine
import AutocoderModel
import AutocoderOSC
import Foundation

extension AutocoderServer {
    /// The voice the unprefixed /granular/* addresses (and /load/granular) play.
    public static let granularVoiceID = 1025
    /// The voice the unprefixed /autocode/* addresses play.
    public static let autocodeVoiceID = 1026
    /// IDs a client may give a new voice.
    public static let clientVoiceIDs = 2...1024

    /// Sends `command` to voice `id` (voice 1 by default; `.parameter(.gain, …)`
    /// is the master gain): at once, or, for a message of a timed bundle, at
    /// its time on the sample clock. Refused when the engine holds as many
    /// timed commands as it can.
    func perform(_ command: VoiceCommand, on id: Int = 1) throws {
        guard let frame = messageFrame else {
            engine.send(command, to: id)
            return
        }
        do {
            try engine.send(command, to: id, atFrame: frame)
        } catch let error as ScheduleError {
            throw Rejection(error.description)
        }
    }

    /// The latent values voice `id` sounds now (generative and filter voices).
    func sounding(_ id: Int) -> [OSCArgument]? {
        engine.voices[id]?.status.map { status in status.latent(count: latentCount(of: id)).map { .float($0) } }
    }

    /// `/voice/status i:ID s:kind s:model f:level i:out f:pan i:playing` + its latent values.
    func sendVoiceStatus(_ id: Int) throws {
        guard let record = engine.voices[id] else { throw Rejection("there is no voice \(id)") }
        let playing = record.status?.isPlaying
            ?? (record.kind == .granular ? settings[id]?.granularPlaying : settings[id]?.autocodePlaying) ?? false
        reply("/voice/status", [.int(Int32(id)), .string(record.kind.rawValue), .string(record.model), .float(record.level),
                                .int(Int32(record.out)), .float(record.pan), .int(playing ? 1 : 0)] + (sounding(id) ?? []))
    }

    /// Where a setting's last accepted arguments are kept: by voice and name.
    static func settingKey(_ address: OSCCommandTable.Address) -> String { "\(address.voice ?? 0)\(address.command.name)" }

    /// `/voice/new i:ID s:KIND [s:ANCHOR]`.
    func newVoice(_ request: Request) throws {
        let id = try request.integer(0)
        let kind = VoiceKind(rawValue: try request.string(1))!
        guard engine.voices[id] == nil, !pendingNewVoices.contains(id) else { throw Rejection("voice \(id) exists already") }
        guard engine.voices.count + pendingNewVoices.count < engine.maxVoices else {
            throw Rejection("the engine holds \(engine.maxVoices) voices already (serve --max-voices sets how many)")
        }
        let anchor = request.count == 3 ? ModelBundle.anchor(from: try paths.resolve(try request.string(2))) : nil
        let ticket = self.ticket(request)
        let created = { [unowned self] in announce(OSCMessage("/voice/new", [.int(Int32(id)), .string(kind.rawValue)]), to: ticket.requester) }
        switch kind {
        case .granular:
            try engine.addGranularVoice(id: id, source: nil)
            created()
            // Its source: the anchor's sound, else the loaded model's.
            try granularLoad(id).load(anchor: anchor ?? self.anchor, for: ticket)
        case .generative, .filter, .autocode:
            // A filter voice starts silent: its input comes with /voice/ID/input.
            let filter: FilterInput? = kind == .filter ? .silence : nil
            guard let anchor else {
                if kind.playsModel {
                    try engine.addGenerativeVoice(id: id, model: try LoadedModel(bundle: bundle, shape: kernelShape, sampleRate: engine.sampleRate),
                                                  filter: filter)
                    engine.send(.phase(configuration.phase), to: id)
                } else {
                    try engine.addAutocodeVoice(id: id, voice: nil, name: self.anchor)
                }
                created()
                return
            }
            pendingNewVoices.insert(id)
            let shape = kernelShape, sampleRate = engine.sampleRate
            loads.submit(LoadJob(kind: "/voice/new \(id)", work: { _ in
                let bundle: ModelBundle
                do {
                    bundle = try ModelBundle(anchor: anchor, parts: kind.playsModel ? ModelBundle.parts(of: anchor) : [.decoder, .encoder])
                } catch {
                    throw Rejection("\(error)")
                }
                let model = kind.playsModel ? try LoadedModel(bundle: bundle, shape: shape, sampleRate: sampleRate) : nil
                return { [unowned self] in
                    pendingNewVoices.remove(id)
                    do {
                        if let model {
                            try engine.addGenerativeVoice(id: id, model: model, filter: filter)
                            engine.send(.phase(configuration.phase), to: id)
                            _ = try? snapshotStore(of: id, requester: ticket.requester)
                        } else if let encoder = bundle.encoder, let decoder = bundle.synthesis?.decoder {
                            settings[id, default: VoiceSettings()].coders = (encoder, decoder)
                            try engine.addAutocodeVoice(id: id, voice: nil, name: bundle.anchor)
                        }
                        created()
                    } catch {
                        reject(ticket, error)
                    }
                }
            }, failed: { [unowned self] error in
                pendingNewVoices.remove(id)
                reject(ticket, error)
            }))
        }
    }

    /// The loader of a model address of the server's (`/load`, `/open`, …).
    func modelLoad(_ address: String) -> ModelLoad { modelLoads.first { $0.address == address }! }

    /// The model loader of generative voice `id` for `selection` (one each).
    func modelLoad(_ id: Int, _ selection: ModelLoad.Selection) -> ModelLoad {
        let key = "\(id) \(selection)"
        if let load = voiceModelLoads[key] { return load }
        let address = "/voice/\(id)/" + (selection == .model ? "load" : "load/decoder")
        let load = id == 1 ? modelLoads.first { $0.address == (selection == .model ? "/load" : "/load/decoder") }!
            : ModelLoad(server: self, address: address, selection: selection, voice: id)
        voiceModelLoads[key] = load
        return load
    }

    /// Latent dimensions of voice `id`'s model.
    func latentCount(of id: Int) -> Int {
        let count = engine.voices[id]?.latentCount ?? 0
        return count > 0 ? count : LatentVector.capacity
    }

    /// Voices the engine has freed: their requesters hear `/voice/freed i:ID`.
    func announceFreedVoices() {
        let freed = engine.takeFreedVoices()
        if !freed.isEmpty { addressSpace?.invalidate() }
        for id in freed {
            settings[id] = nil
            granularLoads[id] = nil
            filterLoads[id] = nil
            autocodeLoads[id] = nil
            voiceModelLoads = voiceModelLoads.filter { !$0.key.hasPrefix("\(id) ") }
            settingValues = settingValues.filter { !$0.key.hasPrefix("\(id)/") }
            announce(OSCMessage("/voice/freed", [.int(Int32(id))]), to: freeRequesters.removeValue(forKey: id))
        }
    }
}
