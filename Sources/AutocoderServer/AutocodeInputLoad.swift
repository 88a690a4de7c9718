// /autocode/input, from the request to its reply, and the autocode voice's
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
    /// Load worker only.
    private let cache = AutocodeInputCache()
    private var pending = PendingRequest()
    /// The input on its way, for the current model and shape.
    private var loading: String?
    /// What the sounding voice was built for.
    private var sounding: (encoder: Encoder, decoder: Decoder, shape: SynthesisShape)?

    init(server: AutocoderServer) { self.server = server }

    /// An input is on its way: /autocode 1 is remembered rather than refused.
    var isLoading: Bool { loading != nil }

    func handle(_ request: Request) throws {
        try server.expectPath(request)
        let name = try request.string(0)
        let input = name == "device" ? name : try server.paths.resolve(name)
        guard server.encoder != nil else { throw Rejection("no encoder loaded (send /load or /load/encoder first)") }
        guard server.synthesisDecoder != nil else { throw Rejection("no decoder loaded") }
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
        guard let input = loading ?? server.generative.autocodeInput else { return }
        load(input)
    }

    private func load(_ input: String) {
        guard let encoder = server.encoder, let decoder = server.synthesisDecoder else { return }
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
        for (mapping, values) in server.generative.autocodeMapping {
            voice.set(mapping, LatentVector(Array(values.prefix(voice.latentCount))))
        }
        voice.level = server.generative.autocodeLevel
        voice.play(server.generative.autocodePlaying)
        server.engine.send(.autocodeVoice(Unmanaged.passRetained(voice)))
        server.generative.autocodeInput = input
        sounding = built
        loading = nil
        server.logger.info("autocode input \(input): \(note)")
        if let ticket = pending.finish() { server.reply(Self.address, [.string(input)], to: ticket.requester) }
    }

    private func failed(_ error: Error) {
        loading = nil
        if let ticket = pending.finish() {
            server.reject(ticket, error)
            // The input sounding before stays, and follows a model that changed meanwhile.
            if server.generative.autocodeInput == nil {
                server.generative.autocodePlaying = false
            } else if let sounding, sounding.encoder !== server.encoder || sounding.decoder !== server.synthesisDecoder || sounding.shape != server.kernelShape {
                followModelChange()
            }
        } else {
            // The voice could not be rebuilt for a new model or FFT size.
            server.logger.warning("autocode stopped: \((error as? Rejection)?.reason ?? "\(error)")")
            server.generative.autocodeInput = nil
            server.generative.autocodePlaying = false
            sounding = nil
            server.engine.send(.autocodeVoice(nil))
        }
    }
}
