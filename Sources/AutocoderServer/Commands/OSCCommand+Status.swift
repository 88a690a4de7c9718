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
        ]
    }
}
