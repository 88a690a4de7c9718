// The clients family: who hears the server's news (/notify), when commands
// have taken effect (/sync), and which server this is (/version), as scsynth
// answers them.

import AutocoderOSC

extension OSCCommand {
    static var clients: [OSCCommand] {
        [
            .server(.clients, "/notify", .arguments(.flag(default: "1 registers, 0 drops"), optional: [.integer("reply port", 1...65535, default: "the port it came from")]),
                    "registers (or drops) the sender's host at PORT, or at the port the message came from, for `/loaded`, `/record/started`, `/record/stopped`, `/voice/new`, `/voice/freed`, `/status` every `/notify/interval` seconds and every reply to its own requests; `/done s:/notify` to that address. `/error` still goes to the sender alone") { server, request in
                try server.notify(request)
            },
            .server(.clients, "/notify/interval", .arguments(.float("seconds", 0...3600, default: 0)),
                    "a `/status` (and `/status/latent`) to every registered client this often; 0 = never",
                    value: .setting { _ in [.float(0)] }) { server, request in
                server.clients.statusInterval = Double(try request.float(0))
            },
            .server(.clients, "/sync", .arguments(.integer("ID", Int(Int32.min)...Int(Int32.max))),
                    "`/synced i:ID` once every earlier command has taken effect: queued controls are in the engine, and loads asked for before are loaded (or refused)") { server, request in
                server.sync(Int32(try request.integer(0)))
            },
            .server(.clients, "/version", .none, "`/version.reply s:autocoder i:major i:minor i:patch s:commit`") { server, _ in
                server.reply("/version.reply", [.string("autocoder"), .int(Int32(AutocoderVersion.major)), .int(Int32(AutocoderVersion.minor)),
                                                .int(Int32(AutocoderVersion.patch)), .string(AutocoderVersion.commit)])
            },
        ]
    }
}
