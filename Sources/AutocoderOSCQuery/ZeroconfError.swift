// Why an announcement could not start. `.noDaemon` is the ordinary case of a
// machine without Avahi: its description is the line to log, once.
//
// A value: any thread.

public enum ZeroconfError: Error, Equatable, CustomStringConvertible {
    /// No Avahi daemon answers on the system bus (or there is no bus).
    case noDaemon
    /// Not a valid DNS-SD service name (empty, or longer than 63 bytes).
    case invalidName(String)
    /// Not a TCP/UDP port (1…65535).
    case invalidPort(Int)
    /// Any other failure of Avahi's, with its code and message.
    case avahi(code: Int32, message: String)

    public var description: String {
        switch self {
        case .noDaemon: "no Avahi daemon: not announced on the network"
        case .invalidName(let name): "not a valid zeroconf service name: \"\(name)\""
        case .invalidPort(let port): "not a valid port to announce: \(port)"
        case .avahi(let code, let message): "zeroconf announcement failed: \(message) (Avahi error \(code))"
        }
    }
}
