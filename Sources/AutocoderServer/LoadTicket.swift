// Who asked for a slow request, so that its answer (or its refusal, or the
// news that a newer request superseded it) reaches them when it is ready.
// Compared by identity: a job restarted for the same request keeps its ticket.
// Network thread only.

import AutocoderOSC

final class LoadTicket {
    /// The request's address, e.g. /load/decoder: its /error replies name it.
    let address: String
    let requester: SocketAddress

    init(address: String, requester: SocketAddress) {
        self.address = address
        self.requester = requester
    }
}
