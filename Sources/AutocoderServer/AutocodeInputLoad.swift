// /autocode/input (and /voice/ID/autocode/input: one of these per autocode
// voice), from the request to its reply, and the autocode voice's
// rebuilds when the model or the FFT size changes:
// - `handle` (network thread) checks the input ("device", or a file inside
//   --root) and that a model with an encoder is loaded;
// - the load (worker) reads the file and learns the range its encodings cover
//   (both kept in an AutocodeInputCache, so an input already analysed is not
//   analysed again), and builds the voice for the model and shape of the
//   moment;
// - `apply` (network thread) gives the voice the current mapping, level and
//   on/off (those sent while it loaded count too), swaps it in and replies
//   /autocode/input to whoever asked.
// A newer input supersedes one still loading (its range learning stops at the
// next block); asking again for the input already on its way only moves the
// reply to the newer request. A new model or FFT size rebuilds the voice the
// same way (`followModelChange`), restarting a load still running for the
// new model without losing who asked.

import AutocoderAudio
import AutocoderEngine
import AutocoderModel
import Foundation

final class AutocodeInputLoad {
    static let address = "/autocode/input"
    private unowned let server: AutocoderServer
    /// The voice it loads for.
    let voice: Int
    /// Load worker only.
    private let cache = AutocodeInputCache()
    private var pending = PendingRequest()
    /// The input on its way, for the current model and shape.
    private var loading: String?
    /// What the sounding voice was built for.
    private var sounding: (encoder: Encoder, decoder: Decoder, shape: SynthesisShape)?

    init(server: AutocoderServer, voice: Int) {
        self.server = server
        self.voice = voice
    }

    /// The model this voice encodes and decodes with: its own, else the loaded one.
    private var coders: (encoder: Encoder?, decoder: Decoder?) {
        if let own = server.settings[voice]?.coders { return (own.encoder, own.decoder) }
        return (server.encoder, server.synthesisDecoder)
    }

    /// An input is on its way: /autocode 1 is remembered rather than refused.
    var isLoading: Bool { loading != nil }

    func handle(_ request: Request) throws {
        let name = try request.string(0)
        let input = name == "device" ? name : try server.paths.resolve(name)
        guard coders.encoder != nil else { throw Rejection("no encoder loaded (send /load or /load/encoder first)") }
        guard coders.decoder != nil else { throw Rejection("no decoder loaded") }
        if input == "device" {
            guard server.output.inputChannels > 0 else {
                throw Rejection("no input device is open (start the server with --input-channels 1 or more)")
            }
        }
        pending.replace(with: server.ticket(request), on: server)
        if loading != input { load(input) }
    }

    /// After a new model or FFT size: the voice, or the input on its way, follows it.
    func followModelChange() {
        guard let input = loading ?? server.settings[voice]?.autocodeInput else { return }
        load(input)
    }

    private func load(_ input: String) {
        guard let encoder = coders.encoder, let decoder = coders.decoder else { return }
        let shape = server.kernelShape, sampleRate = server.engine.sampleRate
        loading = input
        server.loads.submit(LoadJob(kind: Self.address, work: { [unowned self] job in
            var loop: [Float]?
            var range: AutocodeInputCache.Range?
            var note = "the device input"
            if input != "device" {
                let started = Date()
                let found: AutocodeInputCache.Input
                do {
                    found = try cache.input(input, encoder: encoder, decoder: decoder, shape: shape, sampleRate: sampleRate,
                                            isCancelled: { job.isCancelled })
                } catch let cancelled as CancellationError {
                    throw cancelled
                } catch {
                    throw Rejection("\(error)")
                }
                let seconds = String(format: "%.2f s", Date().timeIntervalSince(started))
                note = switch (found.wasRead, found.wasMeasured) {
                case (true, _): "read and measured (\(seconds))"
                case (false, true): "measured through the new encoder (\(seconds))"
                case (false, false): "known: neither read nor measured again"
                }
                loop = found.samples
                range = found.range
            }
            let voice: AutocodeVoice
            do {
                voice = try AutocodeVoice(encoder: encoder, decoder: decoder, shape: shape, sampleRate: sampleRate, range: range, loop: loop)
            } catch {
                throw Rejection("\(error)")
            }
            return { [unowned self] in apply(voice, input, (encoder, decoder, shape), note) }
        }, failed: { [unowned self] error in failed(error) }))
    }

    private func apply(_ voice: AutocodeVoice, _ input: String, _ built: (encoder: Encoder, decoder: Decoder, shape: SynthesisShape),
                       _ note: String) {
        let settings = server.settings[self.voice, default: VoiceSettings()]
        for (mapping, values) in settings.autocodeMapping {
            voice.set(mapping, LatentVector(Array(values.prefix(voice.latentCount))))
        }
        voice.play(settings.autocodePlaying)
        do {
            try server.ensureVoice(self.voice, .autocode)
            try server.engine.setAutocodeVoice(voice, name: input, voice: self.voice)
        } catch {
            failed(error)
            return
        }
        server.settings[self.voice, default: VoiceSettings()].autocodeInput = input
        sounding = built
        loading = nil
        server.logger.info("autocode input \(input): \(note)\(self.voice == AutocoderServer.autocodeVoiceID ? "" : " (voice \(self.voice))")")
        if let ticket = pending.finish() { server.finish(ticket, Self.address, [.string(input)], news: false) }
    }

    private func failed(_ error: Error) {
        loading = nil
        if let ticket = pending.finish() {
            server.reject(ticket, error)
            // The input sounding before stays, and follows a model that changed meanwhile.
            if server.settings[voice]?.autocodeInput == nil {
                server.settings[voice]?.autocodePlaying = false
            } else if let sounding, sounding.encoder !== coders.encoder || sounding.decoder !== coders.decoder || sounding.shape != server.kernelShape {
                followModelChange()
            }
        } else {
            // The voice could not be rebuilt for a new model or FFT size.
            server.logger.warning("autocode stopped: \((error as? Rejection)?.reason ?? "\(error)")")
            server.settings[voice]?.autocodeInput = nil
            server.settings[voice]?.autocodePlaying = false
            sounding = nil
            try? server.engine.setAutocodeVoice(nil, name: "", voice: voice)
        }
    }
}
