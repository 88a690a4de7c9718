// The voices' addresses: /voice/new, /voices, and /voice/ID/… for every
// per-voice control, each declared once here (its suffix, the kinds of voice
// that take it, its handler); the unprefixed addresses of today (/latent,
// /walk, /granular/size, …) are the same handlers aimed at voice 1, or at the
// server's own granular or autocode voice. Network thread only.

import AutocoderEngine
import AutocoderModel
import AutocoderOSC
import Foundation

/// One per-voice address: the kinds of voice it applies to and what it does.
struct VoiceAddress {
    let kinds: Set<VoiceKind>
    let handle: (Int, Request) throws -> Void
}

extension AutocoderServer {
    /// The voice the unprefixed /granular/* addresses (and /load/granular) play.
    public static let granularVoiceID = 1025
    /// The voice the unprefixed /autocode/* addresses play.
    public static let autocodeVoiceID = 1026
    /// IDs a client may give a new voice.
    public static let clientVoiceIDs = 2...1024

    func installVoiceAddresses(_ on: (String, @escaping (Request) throws -> Void) -> Void) {
        func voice(_ suffix: String, _ kinds: Set<VoiceKind>, _ handler: @escaping (Int, Request) throws -> Void) {
            voiceAddresses[suffix] = VoiceAddress(kinds: kinds, handle: handler)
        }
        let every = Set(VoiceKind.allCases)
        // Generative and filter voices: a latent space played.
        let modelKinds = Set(VoiceKind.allCases.filter(\.playsModel))

        voice("latent", modelKinds) { [unowned self] id, request in
            let count = latentCount(of: id)
            try request.expect(arguments: 1...count)
            engine.send(.latent(LatentVector(try (0..<request.count).map { try request.float($0, in: 0...1) })), to: id)
        }
        for dimension in 1...LatentVector.capacity {
            voice("latent/\(dimension)", modelKinds) { [unowned self] id, request in
                try request.expect(arguments: 1...1)
                guard dimension <= latentCount(of: id) else {
                    throw Rejection("the model has \(latentCount(of: id)) latent dimensions")
                }
                engine.send(.latentDimension(index: dimension - 1, value: try request.float(0, in: 0...1)), to: id)
            }
        }
        for parameter in EngineParameter.allCases where parameter != .gain {
            voice(parameter.rawValue, parameter.kinds) { [unowned self] id, request in
                try request.expect(arguments: 1...1)
                engine.send(.parameter(parameter, try request.float(0, in: parameter.range)), to: id)
            }
        }
        voice("phase", [.generative]) { [unowned self] id, request in
            try request.expect(arguments: 1...1)
            let name = try request.string(0)
            guard let mode = PhaseMode(rawValue: name) else {
                throw Rejection("phase must be \(PhaseMode.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), not \"\(name)\"")
            }
            engine.send(.phase(mode), to: id)
        }
        voice("walk", modelKinds) { [unowned self] id, request in
            try request.expect(arguments: 0...1)
            engine.send(.walk(try request.flag(0)), to: id)
        }
        voice("play", modelKinds) { [unowned self] id, request in
            try request.expect(arguments: 0...1)
            engine.send(.play(try request.flag(0)), to: id)
        }
        voice("stop", modelKinds) { [unowned self] id, request in
            try request.expect(arguments: 0...0)
            engine.send(.play(false), to: id)
        }
        voice("reset", modelKinds) { [unowned self] id, _ in engine.send(.reset, to: id) }
        voice("load", modelKinds) { [unowned self] id, request in try modelLoad(id, .model).handle(request) }
        voice("load/decoder", modelKinds) { [unowned self] id, request in try modelLoad(id, .decoder).handle(request) }

        voice("level", every) { [unowned self] id, request in
            try request.expect(arguments: 1...1)
            engine.send(.level(try request.float(0, in: 0...4)), to: id)
        }
        voice("out", every) { [unowned self] id, request in
            try request.expect(arguments: 1...1)
            let out = try request.integer(0, in: 0...engine.channels)
            engine.send(.route(out: out, pan: engine.voices[id]?.pan ?? 0), to: id)
        }
        voice("pan", every) { [unowned self] id, request in
            try request.expect(arguments: 1...1)
            let pan = try request.float(0, in: -1...1)
            engine.send(.route(out: engine.voices[id]?.out ?? 0, pan: pan), to: id)
        }
        voice("free", every) { [unowned self] id, request in
            try request.expect(arguments: 0...0)
            guard id != 1 else { throw Rejection("voice 1 always exists") }
            try engine.freeVoice(id)
            freeRequesters[id] = lastSender
        }
        voice("status", every) { [unowned self] id, request in
            try request.expect(arguments: 0...0)
            guard let record = engine.voices[id] else { throw Rejection("there is no voice \(id)") }
            let playing = record.status?.isPlaying
                ?? (record.kind == .granular ? settings[id]?.granularPlaying : settings[id]?.autocodePlaying) ?? false
            let latent = record.status?.latent(count: latentCount(of: id)) ?? []
            reply("/voice/status", [.int(Int32(id)), .string(record.kind.rawValue), .string(record.model), .float(record.level),
                                    .int(Int32(record.out)), .float(record.pan), .int(playing ? 1 : 0)] + latent.map { .float($0) })
        }
        voice("input", [.filter]) { [unowned self] id, request in try filterInputLoad(id).handle(request) }
        installGranularAndAutocodeAddresses(voice)

        // Today's unprefixed addresses: voice 1, or the server's own granular or autocode voice.
        // (Filter voices have no unprefixed addresses: there is no filter voice from start.)
        for (suffix, address) in voiceAddresses where !["level", "out", "pan", "free", "status", "load", "load/decoder"].contains(suffix)
            && address.kinds != [.filter] {
            let id = address.kinds.contains(.generative) ? 1 : address.kinds.contains(.granular) ? Self.granularVoiceID : Self.autocodeVoiceID
            on("/" + suffix) { request in try address.handle(id, request) }
        }

        on("/voice/new") { [unowned self] request in try newVoice(request) }
        on("/voices") { [unowned self] request in
            try request.expect(arguments: 0...0)
            reply("/voices", engine.voices.keys.sorted().flatMap { id -> [OSCArgument] in
                [.int(Int32(id)), .string(engine.voices[id]!.kind.rawValue)]
            })
        }
    }

    /// The handler of `/voice/ID/SUFFIX`, checked against the voice's kind, or nil
    /// when the address is not of that form.
    func voiceHandler(for address: String) throws -> ((Request) throws -> Void)? {
        guard address.hasPrefix("/voice/") else { return nil }
        let rest = address.dropFirst("/voice/".count)
        guard let slash = rest.firstIndex(of: "/"), let id = Int(rest[..<slash]) else { return nil }
        let suffix = String(rest[rest.index(after: slash)...])
        guard let handler = voiceAddresses[suffix] else { throw Rejection("unknown address") }
        guard let record = engine.voices[id] else { throw Rejection("there is no voice \(id)") }
        guard handler.kinds.contains(record.kind) else {
            throw Rejection("voice \(id) is a \(record.kind.rawValue) voice; \(suffix) is for \(handler.kinds.map(\.rawValue).sorted().joined(separator: " and ")) voices")
        }
        return { request in try handler.handle(id, request) }
    }

    /// `/voice/new i:ID s:KIND [s:ANCHOR]`.
    private func newVoice(_ request: Request) throws {
        try request.expect(arguments: 2...3)
        let id = try request.integer(0, in: Self.clientVoiceIDs)
        let kindName = try request.string(1)
        guard let kind = VoiceKind(rawValue: kindName) else {
            throw Rejection("kind must be \(VoiceKind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), not \"\(kindName)\"")
        }
        guard engine.voices[id] == nil, !pendingNewVoices.contains(id) else { throw Rejection("voice \(id) exists already") }
        guard engine.voices.count + pendingNewVoices.count < engine.maxVoices else {
            throw Rejection("the engine holds \(engine.maxVoices) voices already (serve --max-voices sets how many)")
        }
        let anchor = request.count == 3 ? ModelBundle.anchor(from: try paths.resolve(try request.string(2))) : nil
        let ticket = self.ticket(request)
        let created = { [unowned self] in reply("/voice/new", [.int(Int32(id)), .string(kind.rawValue)], to: ticket.requester) }
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

    /// The model loader of generative voice `id` for `selection` (one each).
    private func modelLoad(_ id: Int, _ selection: ModelLoad.Selection) -> ModelLoad {
        let key = "\(id) \(selection)"
        if let load = voiceModelLoads[key] { return load }
        let address = "/voice/\(id)/" + (selection == .model ? "load" : "load/decoder")
        let load = id == 1 ? modelLoads.first { $0.address == (selection == .model ? "/load" : "/load/decoder") }!
            : ModelLoad(server: self, address: address, selection: selection, voice: id)
        voiceModelLoads[key] = load
        return load
    }

    /// Latent dimensions of voice `id`'s model.
    private func latentCount(of id: Int) -> Int {
        let count = engine.voices[id]?.latentCount ?? 0
        return count > 0 ? count : LatentVector.capacity
    }

    /// Voices the engine has freed: their requesters hear `/voice/freed i:ID`.
    func announceFreedVoices() {
        for id in engine.takeFreedVoices() {
            settings[id] = nil
            granularLoads[id] = nil
            filterLoads[id] = nil
            autocodeLoads[id] = nil
            voiceModelLoads = voiceModelLoads.filter { !$0.key.hasPrefix("\(id) ") }
            if let requester = freeRequesters.removeValue(forKey: id) { reply("/voice/freed", [.int(Int32(id))], to: requester) }
        }
    }
}
