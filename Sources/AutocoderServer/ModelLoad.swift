// /load, /load/decoder and /load/encoder, from the request to /loaded:
// - `handle` (network thread) checks the argument and resolves the path;
// - the load (worker) reads the model files and builds the voice;
// - `apply` (network thread) swaps the voice in (with a kernel for a new band
//   count), keeps the new decoder and encoder, has the autocode voice follow
//   the new model, and replies /loaded to whoever asked.
// A newer request at the same address supersedes an older one still loading;
// requests at different addresses apply in the order they came. Until a new
// model is in, the current one plays and answers /decode and /encode.

import AutocoderEngine
import AutocoderModel

final class ModelLoad {
    let address: String
    private let parts: Set<ModelBundle.Part>
    private unowned let server: AutocoderServer
    private var pending = PendingRequest()

    init(server: AutocoderServer, address: String, parts: Set<ModelBundle.Part>) {
        self.server = server
        self.address = address
        self.parts = parts
    }

    func handle(_ request: Request) throws {
        try server.expectPath(request)
        let path = try server.paths.resolve(try request.string(0))
        let parts = self.parts
        pending.replace(with: server.ticket(request), on: server)
        server.loads.submit(LoadJob(kind: address, work: { [unowned self] _ in
            let bundle: ModelBundle
            do {
                bundle = try ModelBundle(anchor: path, parts: parts)
            } catch {
                throw Rejection("\(error); the current model stays loaded")
            }
            let voice = bundle.decoder == nil ? nil : try Voice(bundle: bundle)
            return { [unowned self] in apply(bundle, voice) }
        }, failed: { [unowned self] error in
            if let ticket = pending.finish() { server.reject(ticket, error) }
        }))
    }

    private func apply(_ bundle: ModelBundle, _ voice: Voice?) {
        if let voice, let decoder = bundle.decoder {
            if voice.melCount == server.melCount {
                server.engine.send(.voice(Unmanaged.passRetained(voice)))
            } else {
                let kernel = SynthesisKernel(shape: server.kernelShape, sampleRate: server.engine.sampleRate, melCount: voice.melCount)
                server.engine.send(.kernel(Unmanaged.passRetained(kernel), voice: Unmanaged.passRetained(voice)))
                server.melCount = voice.melCount
            }
            server.decoder = decoder
            server.anchor = bundle.anchor
        }
        if let encoder = bundle.encoder { server.encoder = encoder }
        server.autocodeInput.followModelChange()
        server.logger.info("loaded \(bundle.anchor) (\(parts.map(\.rawValue).sorted().joined(separator: ", ")))")
        if let ticket = pending.finish() { server.reply("/loaded", [.string(bundle.anchor)], to: ticket.requester) }
    }
}
