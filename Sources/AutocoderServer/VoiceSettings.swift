// What the server keeps of its granular, autocode and filter voices, and
// their loaders (the addresses are declared in OSCCommand+Granular.swift,
// +Autocode and +Filter). Network thread only. Their material is
// loaded off this thread (GranularLoad, AutocodeInputLoad, one per voice) and
// handed to the engine; this side keeps a copy of every setting so that a new
// source, model, FFT size or input starts where the old one was, including
// what was set while it loaded.

import AutocoderAudio
import AutocoderEngine
import AutocoderModel
import AutocoderOSC
import Foundation

/// What the network thread remembers of one granular or autocode voice.
struct VoiceSettings {
    /// The similarity order of the loaded granular source (the voice holds the same table).
    var granularTable: DistanceTable?
    var granularPlaying = false
    var granular: [GranularParameter: Float] = [:]

    /// "device", or the path of the looped file; nil before /autocode/input.
    var autocodeInput: String?
    var autocodePlaying = false
    var autocodeMapping: [AutocodeMapping: [Float]] = [:]
    /// The model this autocode voice encodes and decodes with (nil: the loaded model's).
    var coders: (encoder: Encoder, decoder: Decoder)?

    /// A filter voice's input as `/voice/input` names it (after the ID).
    var filterInput: [OSCArgument] = []
}

extension AutocoderServer {
    /// Largest |scale| and |offset| accepted per dimension.
    static let mappingLimit: Float = 16

    /// `/autocode/reorder`, `/invert`, `/scale`, `/offset`: the first values of
    /// the mapping, kept for the voice's next model or input.
    func setAutocodeMapping(_ mapping: AutocodeMapping, _ id: Int, _ request: Request) throws {
        let dimensions = (settings[id]?.coders?.decoder ?? decoder)?.latentCount ?? 8
        try request.expect(arguments: 1...dimensions)
        let values: [Float] = try (0..<request.count).map { index in
            switch mapping {
            case .reorder: Float(try request.integer(index, in: 1...dimensions) - 1)
            case .invert: Float(try request.integer(index))
            case .scale, .offset: try request.float(index)
            }
        }
        var stored = settings[id]?.autocodeMapping[mapping] ?? []
        for (index, value) in values.enumerated() {
            if index < stored.count { stored[index] = value } else { stored.append(value) }
        }
        settings[id, default: VoiceSettings()].autocodeMapping[mapping] = stored
        try perform(.autocodeMapping(mapping, LatentVector(values)), on: id)
    }

    /// The granular source loader of voice `id` (one per voice).
    func granularLoad(_ id: Int) -> GranularLoad {
        if let load = granularLoads[id] { return load }
        let load = GranularLoad(server: self, voice: id)
        granularLoads[id] = load
        return load
    }

    /// The input loader of filter voice `id` (one per voice).
    func filterInputLoad(_ id: Int) -> FilterInputLoad {
        if let load = filterLoads[id] { return load }
        let load = FilterInputLoad(server: self, voice: id)
        filterLoads[id] = load
        return load
    }

    /// The autocode input loader of voice `id` (one per voice).
    func autocodeLoad(_ id: Int) -> AutocodeInputLoad {
        if let load = autocodeLoads[id] { return load }
        let load = AutocodeInputLoad(server: self, voice: id)
        autocodeLoads[id] = load
        return load
    }

    /// Makes the server's own voice of `kind` (the unprefixed addresses') when
    /// it does not exist yet; checks that any other voice exists and is of `kind`.
    func ensureVoice(_ id: Int, _ kind: VoiceKind) throws {
        if let record = engine.voices[id] {
            guard record.kind == kind else { throw Rejection("voice \(id) is a \(record.kind.rawValue) voice") }
            return
        }
        switch (id, kind) {
        case (Self.granularVoiceID, .granular): try engine.addGranularVoice(id: id, source: nil)
        case (Self.autocodeVoiceID, .autocode): try engine.addAutocodeVoice(id: id, voice: nil)
        default: throw Rejection("there is no voice \(id)")
        }
    }

    func loadedGranularTable(_ id: Int) throws -> DistanceTable {
        guard let table = settings[id]?.granularTable else {
            throw Rejection(granularLoad(id).isLoading ? "no granular source loaded yet (one is loading: wait for its /loaded)"
                                                       : "no granular source loaded (send /load/granular first)")
        }
        return table
    }
}
