// /load/granular, from the request to /loaded:
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
    private var pending = PendingRequest()

    init(server: AutocoderServer) { self.server = server }

    /// A source is on its way: /granular 1 is remembered rather than refused.
    var isLoading: Bool { pending.isLoading }

    func handle(_ request: Request) throws {
        try server.expectPath(request, arguments: 0...1)
        let anchor = request.count == 1 ? ModelBundle.anchor(from: try server.paths.resolve(try request.string(0))) : server.anchor
        let sampleRate = server.engine.sampleRate
        pending.replace(with: server.ticket(request), on: server)
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
            if server.generative.granularTable == nil { server.generative.granularPlaying = false }
            if let ticket = pending.finish() { server.reject(ticket, error) }
        }))
    }

    private func apply(_ voice: GranularVoice, _ table: DistanceTable, _ anchor: String) {
        for (parameter, value) in server.generative.granular { voice.set(parameter, value) }
        voice.play(server.generative.granularPlaying)
        server.generative.granularTable = table
        server.engine.send(.granularVoice(Unmanaged.passRetained(voice)))
        server.logger.info("granular source \(anchor): \(table.frames) frames, \(table.neighbours) similar each")
        if let ticket = pending.finish() { server.reply("/loaded", [.string(anchor)], to: ticket.requester) }
    }
}
