// The server's granular and autocode voices: the /granular/* and /autocode/*
// addresses. Network thread only. Their material is loaded off this thread
// (GranularLoad, AutocodeInputLoad) and the voices handed to the render
// thread through the engine's command queue; this side keeps a copy of every
// setting so that a new voice (new source, model, FFT size or input) starts
// where the old one was, including what was set while it loaded.

import AutocoderAudio
import AutocoderEngine
import AutocoderModel
import Foundation

/// What the network thread remembers of the generative voices.
struct GenerativeSettings {
    /// The similarity order of the loaded granular source (the voice holds the same table).
    var granularTable: DistanceTable?
    var granularPlaying = false
    var granular: [GranularParameter: Float] = [:]

    /// "device", or the path of the looped file; nil before /autocode/input.
    var autocodeInput: String?
    var autocodePlaying = false
    var autocodeLevel: Float = 1
    var autocodeMapping: [AutocodeMapping: [Float]] = [:]
}

extension AutocoderServer {
    /// Largest |scale| and |offset| accepted per dimension.
    static let mappingLimit: Float = 16

    func installGenerativeHandlers(_ on: (String, @escaping (Request) throws -> Void) -> Void) {
        on(GranularLoad.address) { [unowned self] request in try granularLoad.handle(request) }
        on("/granular") { [unowned self] request in
            try request.expect(arguments: 0...1)
            let on = try request.flag(0)
            if !granularLoad.isLoading { _ = try loadedGranularTable() }
            generative.granularPlaying = on
            engine.send(.granularPlay(on))
        }
        for parameter in GranularParameter.allCases {
            on("/granular/" + parameter.rawValue) { [unowned self] request in
                try request.expect(arguments: 1...1)
                let value: Float
                if parameter == .pool {
                    let most = generative.granularTable?.neighbours ?? Int(parameter.range.upperBound)
                    value = Float(try request.integer(0, in: 1...most))
                } else {
                    value = try request.float(0, in: parameter.range)
                }
                generative.granular[parameter] = value
                engine.send(.granular(parameter, value))
            }
        }
        on("/granular/frame") { [unowned self] request in
            try request.expect(arguments: 1...1)
            let table = try loadedGranularTable()
            engine.send(.granularJump(try request.integer(0, in: 0...table.frames - 1)))
        }

        on(AutocodeInputLoad.address) { [unowned self] request in try autocodeInput.handle(request) }
        on("/autocode") { [unowned self] request in
            try request.expect(arguments: 0...1)
            let on = try request.flag(0)
            guard generative.autocodeInput != nil || autocodeInput.isLoading else {
                throw Rejection("no autocode input (send /autocode/input first)")
            }
            generative.autocodePlaying = on
            engine.send(.autocodePlay(on))
        }
        on("/autocode/level") { [unowned self] request in
            try request.expect(arguments: 1...1)
            generative.autocodeLevel = try request.float(0, in: 0...4)
            engine.send(.autocodeLevel(generative.autocodeLevel))
        }
        on("/autocode/range") { [unowned self] request in
            try request.expect(arguments: 0...0)
            engine.send(.autocodeResetRange)
        }
        for mapping in AutocodeMapping.allCases {
            on("/autocode/" + mapping.rawValue) { [unowned self] request in
                let dimensions = decoder?.latentCount ?? 8
                try request.expect(arguments: 1...dimensions)
                let values: [Float] = try (0..<request.count).map { index in
                    switch mapping {
                    case .reorder: Float(try request.integer(index, in: 1...dimensions) - 1)
                    case .invert: Float(try request.integer(index, in: 0...1))
                    case .scale, .offset: try request.float(index, in: -Self.mappingLimit...Self.mappingLimit)
                    }
                }
                var stored = generative.autocodeMapping[mapping] ?? []
                for (index, value) in values.enumerated() {
                    if index < stored.count { stored[index] = value } else { stored.append(value) }
                }
                generative.autocodeMapping[mapping] = stored
                engine.send(.autocodeMapping(mapping, LatentVector(values)))
            }
        }
    }

    private func loadedGranularTable() throws -> DistanceTable {
        guard let table = generative.granularTable else {
            throw Rejection(granularLoad.isLoading ? "no granular source loaded yet (one is loading: wait for its /loaded)"
                                                   : "no granular source loaded (send /load/granular first)")
        }
        return table
    }
}
