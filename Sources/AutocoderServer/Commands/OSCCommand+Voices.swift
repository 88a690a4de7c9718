// The voices family: making, listing and freeing voices, and what every voice
// has whatever its kind — a level, an output channel and a pan.

import AutocoderEngine
import AutocoderOSC

extension OSCCommand {
    static var voices: [OSCCommand] {
        [
            .server(.voices, "/voice/new",
                    .arguments(.integer("ID", AutocoderServer.clientVoiceIDs), .string("kind", choices: VoiceKind.allCases.map(\.rawValue)),
                               optional: [.path("anchor", default: "the loaded model")]),
                    "`/voice/new i:ID s:KIND` (to the sender and every `/notify` client) once the voice is in the engine (a generative or filter voice with an anchor: once its model is loaded and calibrated). A granular voice then loads the anchor's sound and `.ord.npy` (`/loaded`); an autocode voice uses the anchor's encoder and decoder and waits for `/voice/ID/autocode/input`; a filter voice is silent until `/voice/ID/input`. An ID in use, a full engine (`serve --max-voices`, 256) gets `/error` naming it") { server, request in
                try server.newVoice(request)
            },
            .server(.voices, "/voices", .none,
                    "`/voices` + ID, kind pairs, by ID (1025 and 1026 are the server's own granular and autocode voices once they exist)") { server, _ in
                server.reply("/voices", server.engine.voices.keys.sorted().flatMap { id -> [OSCArgument] in
                    [.int(Int32(id)), .string(server.engine.voices[id]!.kind.rawValue)]
                })
            },
            .voice(.voices, "/level", everyKind, unprefixed: false, .arguments(.float("", 0...4, default: 1)), "the voice's level, ramped over 20 ms",
                   value: .live { server, id in server.engine.voices[id].map { [.float($0.level)] } }) { server, id, request in
                try server.perform(.level(try request.float(0)), on: id)
            },
            .voice(.voices, "/out", everyKind, unprefixed: false, .arguments(.integer("channel", 0...64, default: "0")),
                   "0: every output channel alike; 1…channels: that channel alone",
                   value: .live { server, id in server.engine.voices[id].map { [.int(Int32($0.out))] } }) { server, id, request in
                let out = try request.integer(0, in: 0...server.engine.channels)
                try server.perform(.route(out: out, pan: server.engine.voices[id]?.pan ?? 0), on: id)
            },
            .voice(.voices, "/pan", everyKind, unprefixed: false, .arguments(.float("", -1...1, default: 0)),
                   "0: channel `out` alone; towards +1 it moves to the next channel, towards −1 to the previous one (channels wrap around), equal power (cos/sin): ±0.5 gives both −3 dB",
                   value: .live { server, id in server.engine.voices[id].map { [.float($0.pan)] } }) { server, id, request in
                try server.perform(.route(out: server.engine.voices[id]?.out ?? 0, pan: try request.float(0)), on: id)
            },
            .voice(.voices, "/free", everyKind, unprefixed: false, .none,
                   "fades the voice out over 50 ms and retires it; `/voice/freed i:ID` to whoever asked and every `/notify` client. Voice 1 cannot be freed") { server, id, _ in
                guard id != 1 else { throw Rejection("voice 1 always exists") }
                try server.engine.freeVoice(id)
                server.freeRequesters[id] = server.lastSender
            },
            .voice(.voices, "/status", everyKind, unprefixed: false, .none,
                   "`/voice/status i:ID s:kind s:model f:level i:out f:pan i:playing` + the latent values it sounds now (generative and filter voices)") { server, id, _ in
                try server.sendVoiceStatus(id)
            },
        ]
    }
}
