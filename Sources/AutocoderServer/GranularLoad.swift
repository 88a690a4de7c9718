// /load/granular (and /voice/ID/load/granular: one of these per granular
// voice), from the request to /loaded:
// - `handle` (network thread) resolves the anchor (the loaded model's when
//   none is given);
// - the worker reads ANCHOR.ord.npy and the sound, and builds the voice;
// - `apply` (network thread) gives the voice the current settings (pool,
//   power, size, rate, level, on/off: those sent while it loaded count too),
//   swaps it in and replies /loaded.
// A newer request supersedes an older one still loading.

import AutocoderAudio
import AutocoderEngine
import AutocoderModel

final class GranularLoad {
    static let address = "/load/granular"
    private unowned let server: AutocoderServer
    /// The voice it loads for.
    let voice: Int
    private var pending = PendingRequest()

    init(server: AutocoderServer, voice: Int) {
        self.server = server
        self.voice = voice
    }

    /// A source is on its way: /granular 1 is remembered rather than refused.
    var isLoading: Bool { pending.isLoading }

    func handle(_ request: Request) throws {
        let anchor = request.count == 1 ? ModelBundle.anchor(from: try server.paths.resolve(try request.string(0))) : server.anchor
        try load(anchor: anchor, for: server.ticket(request))
    }

    /// Loads the sound and similarity order of `anchor` for the voice; `ticket` hears /loaded or /error.
    func load(anchor: String, for ticket: LoadTicket) throws {
        let sampleRate = server.engine.sampleRate
        pending.replace(with: ticket, on: server)
        server.loads.submit(LoadJob(kind: Self.address, work: { [unowned self] _ in
            let table: DistanceTable
            let source: [Float]
            do {
                table = try DistanceTable(contentsOf: anchor + ".ord.npy")
                source = try AudioLoader.loadMono(anchor, sampleRate: Int(sampleRate))
            } catch {
                throw Rejection("\(error)")
            }
            let voice = GranularVoice(source: source, sampleRate: sampleRate, table: table,
                                      start: Int.random(in: 0..<table.frames), seed: UInt64.random(in: 0...UInt64.max))
            return { [unowned self] in apply(voice, table, anchor) }
        }, failed: { [unowned self] error in
            // "/granular 1" sent while it loaded has nothing to play.
            if server.settings[voice]?.granularTable == nil { server.settings[voice]?.granularPlaying = false }
            if let ticket = pending.finish() { server.reject(ticket, error) }
        }))
    }

    private func apply(_ source: GranularVoice, _ table: DistanceTable, _ anchor: String) {
        let settings = server.settings[voice, default: VoiceSettings()]
        for (parameter, value) in settings.granular { source.set(parameter, value) }
        source.play(settings.granularPlaying)
        do {
            if server.engine.voices[voice] == nil {
                try server.ensureVoice(voice, .granular)
            }
            try server.engine.setGranularSource(source, name: anchor, voice: voice)
        } catch {
            if let ticket = pending.finish() { server.reject(ticket, error) }
            return
        }
        server.settings[voice, default: VoiceSettings()].granularTable = table
        server.logger.info("granular source \(anchor): \(table.frames) frames, \(table.neighbours) similar each\(voice == AutocoderServer.granularVoiceID ? "" : " (voice \(voice))")")
        if let ticket = pending.finish() { server.finish(ticket, "/loaded", [.string(anchor)]) }
    }
}
