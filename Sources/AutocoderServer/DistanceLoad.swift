// /load/distance, from the request to /loaded: `handle` (network thread)
// resolves ANCHOR.ord.npy, the worker reads it, and the applying step
// (network thread) makes it the table /distance/* answers from. A newer
// request supersedes an older one still loading; until the new table is in,
// the old one answers.

import AutocoderModel

final class DistanceLoad {
    static let address = "/load/distance"
    private unowned let server: AutocoderServer
    private var pending = PendingRequest()

    init(server: AutocoderServer) { self.server = server }

    /// A table is on its way (for a clearer refusal of /distance/* before the first).
    var isLoading: Bool { pending.isLoading }

    func handle(_ request: Request) throws {
        let path = ModelBundle.anchor(from: try server.paths.resolve(try request.string(0))) + ".ord.npy"
        pending.replace(with: server.ticket(request), on: server)
        server.loads.submit(LoadJob(kind: Self.address, work: { [unowned self] _ in
            let table = try DistanceTable(contentsOf: path)
            return { [unowned self] in
                server.distance = table
                if let ticket = pending.finish() { server.finish(ticket, "/loaded", [.string(path)]) }
            }
        }, failed: { [unowned self] error in
            if let ticket = pending.finish() { server.reject(ticket, error) }
        }))
    }
}
