// /listen, from the request to the stream (the whole life of listening):
// - `handle` (network thread) checks the input; `off` stops at once;
// - the load (worker) reads and resamples a file and learns its range through
//   the encoder (as /autocode/input does), reads the model's ANCHOR.enc.npy
//   when there is one, and builds the analysing voice;
// - `apply` (network thread) replaces the listener (`Listener`, its own
//   thread) and answers `/listen s:INPUT`, then `/done`;
// - `relay` (network thread, every loop) sends `/listen/latent` (and
//   `/listen/frame`) at `rate` per second of input to the requester and every
//   registered client, and moves the driven voice: a generative or filter
//   voice to the scaled latent, a granular voice to the nearest frame.

import AutocoderEngine
import AutocoderModel
import AutocoderOSC
import Foundation

final class Listening {
    static let address = "/listen"
    private unowned let server: AutocoderServer
    /// Load worker only.
    private let cache = AutocodeInputCache()
    private var pending = PendingRequest()
    private(set) var listener: Listener?
    /// Who asked for the stream (it hears it, besides the registered clients).
    private var requester: SocketAddress?
    /// `/listen/latent` messages per second of input.
    var rate = 30.0
    /// Input time (samples) at which the next message goes out.
    private var nextSend = 0.0
    /// The voice that follows the listened latent, if any.
    var driven: Int?
    private var drivenFrame: Int?

    init(server: AutocoderServer) { self.server = server }

    var isListening: Bool { listener != nil }

    func handle(_ request: Request) throws {
        let name = try request.string(0)
        if name == "off" {
            if let older = pending.finish() { server.superseded(older, by: Self.address) }
            stop()
            server.reply(Self.address, [.string("off")])
            return
        }
        let input = name == "device" ? name : try server.paths.resolve(name)
        guard let encoder = server.encoder else { throw Rejection("no encoder loaded (send /load or /load/encoder first)") }
        guard let decoder = server.synthesisDecoder else { throw Rejection("no decoder loaded") }
        if input == "device", server.output.inputChannels == 0 {
            throw Rejection("no input device is open (start the server with --input-channels 1 or more)")
        }
        let shape = server.kernelShape, sampleRate = server.engine.sampleRate, anchor = server.anchor
        let trainingRange = server.bundle.metadata.trainingRange
        pending.replace(with: server.ticket(request), on: server)
        server.loads.submit(LoadJob(kind: Self.address, work: { [unowned self] job in
            var loop: [Float]?
            var range: AutocodeInputCache.Range?
            if input != "device" {
                do {
                    let found = try cache.input(input, encoder: encoder, decoder: decoder, shape: shape, sampleRate: sampleRate,
                                                isCancelled: { job.isCancelled })
                    (loop, range) = (found.samples, found.range)
                } catch let cancelled as CancellationError {
                    throw cancelled
                } catch {
                    throw Rejection("\(error)")
                }
            }
            let encodings = anchor + ".enc.npy"
            let index = FileManager.default.fileExists(atPath: encodings) ? try? LatentIndex(contentsOf: encodings) : nil
            let voice = try AutocodeVoice(encoder: encoder, decoder: decoder, shape: shape, sampleRate: sampleRate, range: range, loop: loop)
            if index != nil { voice.trainingRange = trainingRange }
            return { [unowned self] in apply(voice, input, index) }
        }, failed: { [unowned self] error in
            if let ticket = pending.finish() { server.reject(ticket, error) }
        }))
    }

    private func apply(_ voice: AutocodeVoice, _ input: String, _ index: LatentIndex?) {
        stop()
        let listener = Listener(input: input, voice: voice, index: index, device: input == "device" ? server.engine.inputTap : nil,
                                engine: server.engine, wake: server.wake)
        if input == "device" {
            // What waited in the tap from an earlier listening is not this input's.
            var drain = [Float](repeating: 0, count: 4096)
            while server.engine.inputTap.read(into: &drain, count: drain.count) > 0 {}
            server.engine.tapsInput.store(true, ordering: .relaxed)
        }
        listener.start()
        self.listener = listener
        nextSend = 0
        drivenFrame = nil
        guard let ticket = pending.finish() else { return }
        requester = ticket.requester
        server.logger.info("listening to \(input)\(index == nil ? "" : " (nearest frames of \(index!.frames))")")
        server.finish(ticket, Self.address, [.string(input)], news: false)
    }

    /// Stops listening (and the device tap).
    func stop() {
        server.engine.tapsInput.store(false, ordering: .relaxed)
        listener?.stop()
        listener = nil
    }

    /// Sends what was heard since the last call and moves the driven voice.
    func relay() {
        guard let listener else { return }
        let hops = listener.takeHops()
        guard !hops.isEmpty else { return }
        if let driven, server.engine.voices[driven] == nil { self.driven = nil }
        let period = server.engine.sampleRate / rate
        for hop in hops {
            drive(hop)
            guard Double(hop.time) >= nextSend else { continue }
            // On the input's own clock: the average rate is exact whatever the hop.
            nextSend = max(nextSend + period, Double(hop.time) - period)
            server.announce(OSCMessage("/listen/latent", hop.latent.map { .float($0) }), to: requester)
            if let frame = hop.frame { server.announce(OSCMessage("/listen/frame", [.int(Int32(frame))]), to: requester) }
        }
    }

    private func drive(_ hop: Listener.Hop) {
        guard let driven, let kind = server.engine.voices[driven]?.kind else { return }
        if kind.playsModel {
            server.engine.send(.latent(LatentVector(hop.scaled)), to: driven)
        } else if kind == .granular, let frame = hop.frame, frame != drivenFrame, let table = server.settings[driven]?.granularTable,
                  frame < table.frames {
            drivenFrame = frame
            server.engine.send(.granularJump(frame), to: driven)
        }
    }
}
