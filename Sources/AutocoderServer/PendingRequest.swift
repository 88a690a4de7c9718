// The newest request of one slow kind that is still loading: whoever sent it
// is answered when its load is applied or fails; whoever sent an older one
// has been told that it was superseded. Network thread only.

struct PendingRequest {
    private(set) var ticket: LoadTicket?

    var isLoading: Bool { ticket != nil }

    /// Makes `ticket` the request to answer and tells the sender of the one
    /// it replaces, if any, that it was superseded.
    mutating func replace(with ticket: LoadTicket, on server: AutocoderServer) {
        if let older = self.ticket { server.superseded(older, by: ticket.address) }
        self.ticket = ticket
    }

    /// The request to answer now that its load is done; nothing is pending after.
    mutating func finish() -> LoadTicket? {
        defer { ticket = nil }
        return ticket
    }
}
