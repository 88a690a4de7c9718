// /load, /load/decoder, /load/encoder, and the Max external's /open and
// /open/fft, from the request to /loaded:
// - `handle` (network thread) checks the argument and resolves the path
//   (`load` takes it from there, also for a finished /train … play);
// - the load (worker) picks the bundle's files (the `.dec`, or the `.fft.dec`
//   when the bundle has no `.dec` or /open/fft asks for it), reads them and
//   builds the voice;
// - `apply` (network thread) swaps the voice in (with a kernel for a new frame
//   layout), keeps the new decoder and encoder, has the autocode voice follow
//   the new model, and replies /loaded to whoever asked.
// A newer request at the same address supersedes an older one still loading;
// requests at different addresses apply in the order they came. Until a new
// model is in, the current one plays and answers /decode and /encode.

import AutocoderEngine
import AutocoderModel

final class ModelLoad {
    /// What an address loads.
    enum Selection {
        /// The decoder, and the encoder when the bundle has one (/load).
        case model
        /// The decoder (/load/decoder, /open).
        case decoder
        /// The `.fft.dec`, even when there is a `.dec` (/open/fft).
        case fftDecoder
        /// The encoder (/load/encoder).
        case encoder

        func parts(of anchor: String) -> Set<ModelBundle.Part> {
            switch self {
            case .model: ModelBundle.parts(of: anchor, encoder: .whenPresent)
            case .decoder: ModelBundle.parts(of: anchor)
            case .fftDecoder: ModelBundle.parts(of: anchor, fft: true)
            case .encoder: [.encoder]
            }
        }
    }

    let address: String
    private let selection: Selection
    private unowned let server: AutocoderServer
    /// The generative voice it loads for. Voice 1's model is the server's: the
    /// one /decode, /encode and the autocode voice use.
    let voice: Int
    private var pending = PendingRequest()

    init(server: AutocoderServer, address: String, selection: Selection, voice: Int = 1) {
        self.server = server
        self.address = address
        self.selection = selection
        self.voice = voice
    }

    func handle(_ request: Request) throws {
        load(try server.paths.resolve(try request.string(0)), ticket: server.ticket(request))
    }

    /// Loads the bundle at `path` (resolved) for whoever holds `ticket` (a
    /// request, or a finished /train … play on its sender's behalf).
    func load(_ path: String, ticket: LoadTicket) {
        let selection = self.selection
        let shape = server.kernelShape, sampleRate = server.engine.sampleRate
        pending.replace(with: ticket, on: server)
        server.loads.submit(LoadJob(kind: address, work: { [unowned self] _ in
            let bundle: ModelBundle
            do {
                bundle = try ModelBundle(anchor: path, parts: selection.parts(of: path))
            } catch {
                throw Rejection("\(error); the current model stays loaded")
            }
            let model = bundle.synthesis == nil ? nil : try LoadedModel(bundle: bundle, shape: shape, sampleRate: sampleRate)
            return { [unowned self] in apply(bundle, model) }
        }, failed: { [unowned self] error in
            if let ticket = pending.finish() { server.reject(ticket, error) }
        }))
    }

    private func apply(_ bundle: ModelBundle, _ model: LoadedModel?) {
        if let model {
            do {
                try server.engine.setModel(model, voice: voice)
            } catch {
                if let ticket = pending.finish() { server.reject(ticket, error) }
                return
            }
        }
        if voice == 1 {
            if model != nil, let decoder = bundle.outputDecoder, let synthesis = bundle.synthesis {
                server.decoder = decoder
                server.synthesisDecoder = synthesis.decoder
                server.anchor = bundle.anchor
                server.bundle = bundle
                server.calibration = model?.calibration
            }
            // A whole model replaces the encoder too: one of another model would encode into the wrong space.
            if selection == .model || bundle.encoder != nil { server.encoder = bundle.encoder }
            server.followModelChange()
        }
        // The new model's snapshots are read now, so a broken file is reported to whoever loaded it.
        if model != nil { _ = try? server.snapshotStore(of: voice, requester: pending.ticket?.requester) }
        let files = bundle.models.keys.map(\.rawValue).sorted().joined(separator: ", ")
        let level = model?.calibration.map { "; " + $0.summary } ?? ""
        let whose = self.voice == 1 ? "" : " into voice \(self.voice)"
        server.logger.info("loaded \(bundle.anchor)\(whose) (\(files))\(bundle.synthesis.map { ": " + $0.summary } ?? "")\(level)")
        if let ticket = pending.finish() { server.finish(ticket, "/loaded", [.string(bundle.anchor)]) }
    }
}
