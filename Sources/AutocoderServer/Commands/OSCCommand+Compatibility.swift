// The compatibility family: the Python `autocoder_remote.py`'s own addresses
// (besides the model, latent and distance ones in their families) and the
// author's Max external's names, kept exactly (SPEC §4).

import AutocoderOSC

extension OSCCommand {
    static var compatibility: [OSCCommand] {
        [
            .server(.compatibility, "/sanity/check", .anything, "`/sanity \"checked\"`") { server, _ in
                server.reply("/sanity", [.string("checked")])
            },
            .server(.compatibility, "/quit", .none, "the server stops cleanly (refused under `serve --no-quit`)") { server, _ in
                guard server.configuration.quitAllowed else { throw Rejection("disabled (the server was started with --no-quit)") }
                server.requestStop()
            },
            .server(.compatibility, "/deep", .arguments(optional: [.flag(default: "ignored")]),
                    "accepted for compatibility (the model file says what it is)") { _, _ in },
            .server(.compatibility, "/open", .arguments(.path("anchor")),
                    "as `/load/decoder`: the `.dec`, or the `.fft.dec` of a bundle without one; `/loaded s:anchor`, then `/done s:/open`") { server, request in
                try server.modelLoad("/open").handle(request)
            },
            .server(.compatibility, "/open/fft", .arguments(.path("anchor")),
                    "loads the bundle's `.fft.dec` and plays it, even when there is a `.dec`; `/loaded s:anchor` (no `.fft.dec`: `/error`)") { server, request in
                try server.modelLoad("/open/fft").handle(request)
            },
            .server(.compatibility, "/output_size", .arguments(.integer("values per decoded frame", 1...1 << 24)),
                    "`/output_size i:N` when N is the loaded model's output size (512 for a `.dec`, 4096 for the notebook's `.fft.dec`); otherwise `/error /output_size \"the loaded model makes 4096 values, not 512\"`") { server, request in
                let size = try request.integer(0)
                guard let decoder = server.decoder else { throw Rejection("no decoder loaded") }
                guard size == decoder.outputCount else {
                    throw Rejection("the loaded model makes \(decoder.outputCount) values, not \(size)")
                }
                server.reply("/output_size", [.int(Int32(size))])
            },
        ]
    }
}
