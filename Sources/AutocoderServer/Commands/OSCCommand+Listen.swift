// The listen family: an input encoded every hop and streamed to the clients
// (Listening owns its life), and a voice that follows it.

import AutocoderEngine
import AutocoderOSC

extension OSCCommand {
    static var listen: [OSCCommand] {
        [
            .server(.listen, "/listen", .arguments(.path("`device`, a sound file, or `off`")),
                    "encodes the input every hop (the autocode voice's analysis) and streams `/listen/latent` + the encoder's values (as `/encode` gives them), and `/listen/frame i` — the nearest training frame by L1 (the hop encoded as the training frames were), when the model's `ANCHOR.enc.npy` is there — at `/listen/rate` per second of input, to the sender and every `/notify` client; a file plays in a loop at the sample clock's pace; `/listen s:INPUT` once it listens, then `/done`",
                    value: .live { server, _ in [.string(server.listening.listener?.input ?? "off")] }) { server, request in
                try server.listening.handle(request)
            },
            .server(.listen, "/listen/rate", .arguments(.float("per second", 1...200, default: 30)),
                    "`/listen/latent` messages per second of input (at most one per hop)",
                    value: .setting { _ in [.float(30)] }) { server, request in
                server.listening.rate = Double(try request.float(0))
            },
            .server(.listen, "/listen/drive", .arguments(.integer("voice", 0...SynthesisEngine.maxID, default: "0 = none")),
                    "a voice follows the listened input: a generative or filter voice plays its latent (each dimension scaled by the input's range to [0,1]), a granular voice jumps to the nearest training frame (live latent mosaicing); 0 releases it",
                    value: .live { server, _ in [.int(Int32(server.listening.driven ?? 0))] }) { server, request in
                let id = try request.integer(0)
                guard id != 0 else { server.listening.driven = nil; return }
                guard let kind = server.engine.voices[id]?.kind else { throw Rejection("there is no voice \(id)") }
                guard kind.playsModel || kind == .granular else { throw Rejection("voice \(id) is an \(kind.rawValue) voice; a generative, filter or granular voice can follow") }
                server.listening.driven = id
            },
        ]
    }
}
