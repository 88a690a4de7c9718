// /voice/ID/input (one of these per filter voice), from the request to its
// reply `/voice/input i:ID s:INPUT [i:OTHER]`:
// - `handle` (network thread) checks the input: "device" (an input device
//   must be open: serve --input-channels), "voice" i:OTHER (another voice that
//   exists), or a sound file inside --root;
// - a file is read, mixed to mono and resampled to the engine's rate on the
//   load worker, then swapped in as a loop; the device and another voice are
//   swapped in at once.
// A newer request supersedes a file still loading; the input sounding before
// plays on until the new one is in, and stays when the new one fails.

import AutocoderAudio
import AutocoderEngine
import AutocoderModel
import AutocoderOSC

final class FilterInputLoad {
    private unowned let server: AutocoderServer
    /// The voice it loads for.
    let voice: Int
    private var pending = PendingRequest()
    /// Tells a superseded file load from the newest one.
    private var generation = 0

    init(server: AutocoderServer, voice: Int) {
        self.server = server
        self.voice = voice
    }

    private var address: String { "/voice/\(voice)/input" }

    func handle(_ request: Request) throws {
        try request.expect(arguments: 1...2)
        let name = try request.string(0)
        generation += 1
        switch name {
        case "device":
            try request.expect(arguments: 1...1)
            guard server.output.inputChannels > 0 else {
                throw Rejection("no input device is open (start the server with --input-channels 1 or more)")
            }
            try swapIn(.device, reply: [.string("device")], to: server.ticket(request))
        case "voice":
            guard request.count == 2 else { throw Rejection("\"voice\" needs the ID of the voice to take: /voice/\(voice)/input s:voice i:OTHER") }
            let other = try request.integer(1, in: 1...SynthesisEngine.maxID)
            try swapIn(.voice(other), reply: [.string("voice"), .int(Int32(other))], to: server.ticket(request))
        default:
            try request.expect(arguments: 1...1)
            let path = try server.paths.resolve(name)
            let ticket = server.ticket(request)
            pending.replace(with: ticket, on: server)
            let sampleRate = Int(server.engine.sampleRate), generation = generation
            server.loads.submit(LoadJob(kind: address, work: { _ in
                let samples: [Float]
                do {
                    samples = try AudioLoader.loadMono(path, sampleRate: sampleRate)
                } catch {
                    throw Rejection("\(error)")
                }
                guard !samples.isEmpty else { throw Rejection("\(path) holds no samples") }
                let loop = SoundLoop(name: path, samples: samples)
                return { [unowned self] in
                    guard generation == self.generation, let ticket = pending.finish() else { return }
                    do {
                        try swapIn(.loop(loop), reply: [.string(path)], to: ticket)
                        server.logger.info("filter input \(path): \(samples.count) samples, looped (voice \(voice))")
                    } catch {
                        server.reject(ticket, error)
                    }
                }
            }, failed: { [unowned self] error in
                if generation == self.generation, let ticket = pending.finish() { server.reject(ticket, error) }
            }))
        }
    }

    private func swapIn(_ input: FilterInput, reply: [OSCArgument], to ticket: LoadTicket) throws {
        if let older = pending.finish() { server.superseded(older, by: address) }
        do {
            try server.engine.setFilterInput(input, voice: voice)
        } catch {
            throw Rejection("\(error)")
        }
        server.settings[voice, default: VoiceSettings()].filterInput = reply
        server.finish(ticket, "/voice/input", [.int(Int32(voice))] + reply, news: false)
    }
}
