// The model family: loading a bundle's decoder and encoder, and asking the
// loaded model to decode or encode one frame (the Python server's names),
// plus a voice's own model (/voice/ID/load).

import AutocoderEngine
import AutocoderModel
import AutocoderOSC

extension OSCCommand {
    static var model: [OSCCommand] {
        [
            .server(.model, "/load", .arguments(.path("anchor")),
                    "loads decoder and encoder (a bundle without `.enc` loads its decoder and leaves no encoder) and plays it, swapped in without a dropout; `/loaded s:anchor`, then `/done s:/load`") { server, request in
                try server.modelLoad("/load").handle(request)
            },
            .server(.model, "/load/decoder", .arguments(.path("anchor")),
                    "loads `.dec` + `.mm` (or the `.fft.dec` of a bundle without `.dec`) and plays it; `/loaded s:anchor`, then `/done`") { server, request in
                try server.modelLoad("/load/decoder").handle(request)
            },
            .server(.model, "/load/encoder", .arguments(.path("anchor")), "loads `.enc` + `.mm`; `/loaded s:anchor`, then `/done`") { server, request in
                try server.modelLoad("/load/encoder").handle(request)
            },
            .server(.model, "/decode", .repeated(.number("number"), 0...LatentVector.capacity),
                    "`/decoded` + the model's output: 512 floats (4096 for the notebook's `.fft.dec`), missing values 0; voice 1 also glides to these values (clipped to [0,1])") { server, request in
                guard let decoder = server.decoder else { throw Rejection("no decoder loaded") }
                let given = try request.numbers(maximum: decoder.latentCount)
                let latent = given + [Float](repeating: 0, count: decoder.latentCount - given.count)
                server.reply("/decoded", decoder.decode(latent).map { .float($0) })
                try server.perform(.latent(LatentVector(latent.map { min(1, max(0, $0)) })))
            },
            .server(.model, "/encode", .repeated(.number("number"), 0...512),
                    "`/encoded` + 8 floats: the encoding of one mel frame (missing values 0)") { server, request in
                guard let encoder = server.encoder else { throw Rejection("no encoder loaded (send /load/encoder first)") }
                let given = try request.numbers(maximum: encoder.inputCount)
                let frame = given + [Float](repeating: 0, count: encoder.inputCount - given.count)
                server.reply("/encoded", encoder.encode(frame).map { .float($0) })
            },
            .voice(.model, "/load", modelKinds, unprefixed: false, .arguments(.path("anchor")),
                   "gives that generative or filter voice another model (without a dropout; its level calibrated at load); `/loaded s:anchor`, then `/done`. Only voice 1's model answers `/decode` and `/encode` and feeds the server's autocode voice") { server, id, request in
                try server.modelLoad(id, .model).handle(request)
            },
            .voice(.model, "/load/decoder", modelKinds, unprefixed: false, .arguments(.path("anchor")),
                   "as `/voice/ID/load`, the decoder alone") { server, id, request in
                try server.modelLoad(id, .decoder).handle(request)
            },
        ]
    }
}
