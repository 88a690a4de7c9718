// What happens to an announcement after it starts, for the owner to log.
//
// Delivered on Avahi's thread (see ZeroconfAnnouncement).

public enum ZeroconfEvent: Sendable, Equatable {
    /// Both services are on the network under `name`.
    case established(name: String)
    /// `from` was taken by another service on the network: announcing as `to` instead.
    case renamed(from: String, to: String)
    /// The Avahi daemon went away; the services are announced again when it comes back.
    case disconnected
    /// Avahi refused the services (its reason); nothing is announced.
    case failed(String)
}
