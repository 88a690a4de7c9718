// Who asked for a slow request, so that its answer (or its refusal, or the
// news that a newer request superseded it) reaches them when it is ready.
// Compared by identity: a job restarted for the same request keeps its ticket.
// Network thread only.

import AutocoderOSC

final class LoadTicket {
    /// The request's address, e.g. /load/decoder: its /error replies name it.
    let address: String
    let requester: SocketAddress
    /// Where the request stands among all requests (its `/done` goes out in that order).
    let sequence: Int

    init(address: String, requester: SocketAddress, sequence: Int) {
        self.address = address
        self.requester = requester
        self.sequence = sequence
    }
}
