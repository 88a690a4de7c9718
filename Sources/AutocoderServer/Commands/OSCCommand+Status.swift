// The status family: what the server is doing, in one reply.

import AutocoderOSC

extension OSCCommand {
    static var status: [OSCCommand] {
        [
            .server(.status, "/status", .none,
                    "`/status` with, in order: " + AutocoderServer.statusFields.map { "\($0.tag) \($0.name)" }.joined(separator: ", ")
                    + "; then `/status/latent` + voice 1's latent values sounding now (the *Status fields* table below)") { server, _ in
                server.recordingListeners.add(server.replyDestination(server.lastSender!))
                server.sendStatus(to: server.replyDestination(server.lastSender!))
            },
            .server(.status, "/status/load", .arguments(optional: [.flag(default: "0")]),
                    "`/status/load f:mean f:p50 f:p99 f:max i:calls`: the render callback's load (% of its block's duration, to 0.1 %) over every call since the server started or the last `/status/load 1`, which also starts a new count after answering") { server, request in
                let histogram = server.engine.status.loadHistogram
                let figures = histogram.figures(since: server.loadMark)
                if request.count > 0, try request.integer(0, in: 0...1) == 1 { server.loadMark = histogram.mark() }
                server.reply("/status/load", [.float(Float(figures.mean)), .float(Float(figures.p50)), .float(Float(figures.p99)),
                                              .float(Float(figures.max)), .int(Int32(clamping: figures.calls))])
            },
        ]
    }
}
