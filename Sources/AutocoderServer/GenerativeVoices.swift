// The server's granular and autocode voices: loading their material, and the
// /granular/* and /autocode/* addresses. Network thread only: voices are
// built and set up here, then handed to the render thread through the
// engine's command queue; this side keeps a copy of every setting so that a
// rebuilt voice (new model, FFT size or input) starts where the old one was.

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
    /// The looped file as last read, with its range through the encoder it was
    /// measured with: a new FFT size or decoder reuses both, a new encoder the sound.
    var autocodeLoop: (path: String, samples: [Float], encoder: Encoder, range: (minimum: [Float], maximum: [Float]))?
}

extension AutocoderServer {
    /// Largest |scale| and |offset| accepted per dimension.
    static let mappingLimit: Float = 16

    func installGenerativeHandlers(_ on: (String, @escaping (Request) throws -> Void) -> Void) {
        on("/load/granular") { [unowned self] request in
            try request.expect(arguments: 0...1)
            let path = request.count == 1 ? ModelBundle.anchor(from: try paths.resolve(try request.string(0))) : anchor
            try loadGranular(anchor: path)
            reply("/loaded", [.string(path)])
        }
        on("/granular") { [unowned self] request in
            try request.expect(arguments: 0...1)
            let on = try request.flag(0)
            _ = try loadedGranularTable()
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

        on("/autocode/input") { [unowned self] request in
            try request.expect(arguments: 1...1)
            let name = try request.string(0)
            let input = name == "device" ? name : try paths.resolve(name)
            try rebuildAutocode(input: input)
            reply("/autocode/input", [.string(input)])
        }
        on("/autocode") { [unowned self] request in
            try request.expect(arguments: 0...1)
            let on = try request.flag(0)
            guard generative.autocodeInput != nil else { throw Rejection("no autocode input (send /autocode/input first)") }
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
        guard let table = generative.granularTable else { throw Rejection("no granular source loaded (send /load/granular first)") }
        return table
    }

    /// Loads `anchor` (the sound) and `anchor.ord.npy` as the granular voice's material.
    func loadGranular(anchor: String) throws {
        let table: DistanceTable
        let source: [Float]
        do {
            table = try DistanceTable(contentsOf: anchor + ".ord.npy")
            source = try AudioLoader.loadMono(anchor, sampleRate: Int(engine.sampleRate))
        } catch {
            throw Rejection("\(error)")
        }
        let voice = GranularVoice(source: source, sampleRate: engine.sampleRate, table: table,
                                  start: Int.random(in: 0..<table.frames), seed: UInt64.random(in: 0...UInt64.max))
        for (parameter, value) in generative.granular { voice.set(parameter, value) }
        voice.play(generative.granularPlaying)
        generative.granularTable = table
        engine.send(.granularVoice(Unmanaged.passRetained(voice)))
        logger.info("granular source \(anchor): \(table.frames) frames, \(table.neighbours) similar each")
    }

    /// Builds the autocode voice for the loaded model and synthesis shape, from
    /// `input` ("device" or a sound file), and swaps it in. `reread` reads the
    /// file afresh; otherwise the sound and range already measured are reused.
    func rebuildAutocode(input: String, reread: Bool = true) throws {
        guard let encoder else { throw Rejection("no encoder loaded (send /load or /load/encoder first)") }
        guard let decoder else { throw Rejection("no decoder loaded") }
        let sampleRate = engine.sampleRate
        var loop: [Float]?
        var range: (minimum: [Float], maximum: [Float])?
        if input == "device" {
            guard output.inputChannels > 0 else {
                throw Rejection("no input device is open (start the server with --input-channels 1 or more)")
            }
        } else {
            do {
                let known = reread ? nil : generative.autocodeLoop.flatMap { $0.path == input ? $0 : nil }
                let sound = try known?.samples ?? AudioLoader.loadMono(input, sampleRate: Int(sampleRate))
                let measured = known?.encoder === encoder ? known?.range : nil
                let fileRange = try measured ?? AutocodeRender.range(of: sound, encoder: encoder, decoder: decoder, shape: kernelShape,
                                                                     sampleRate: sampleRate)
                generative.autocodeLoop = (input, sound, encoder, fileRange)
                loop = sound
                range = fileRange
            } catch {
                throw Rejection("\(error)")
            }
        }
        let voice: AutocodeVoice
        do {
            voice = try AutocodeVoice(encoder: encoder, decoder: decoder, shape: kernelShape, sampleRate: sampleRate, range: range, loop: loop)
        } catch {
            throw Rejection("\(error)")
        }
        for (mapping, values) in generative.autocodeMapping {
            voice.set(mapping, LatentVector(Array(values.prefix(voice.latentCount))))
        }
        voice.level = generative.autocodeLevel
        voice.play(generative.autocodePlaying)
        generative.autocodeInput = input
        engine.send(.autocodeVoice(Unmanaged.passRetained(voice)))
    }

    /// After a new model or FFT size: the autocode voice follows it.
    func followModelChange() {
        guard let input = generative.autocodeInput else { return }
        do {
            try rebuildAutocode(input: input, reread: false)
        } catch let rejection as Rejection {
            logger.warning("autocode stopped: \(rejection.reason)")
            generative.autocodeInput = nil
            engine.send(.autocodeVoice(nil))
        } catch {
            logger.warning("autocode stopped: \(error)")
        }
    }
}
