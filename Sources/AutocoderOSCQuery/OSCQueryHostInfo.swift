// HOST_INFO: what a client needs to reach the OSC server this OSCQuery
// server describes.
//
// A value: any thread.

public struct OSCQueryHostInfo: Sendable, Equatable {
    /// NAME, human-readable.
    public var name: String
    /// OSC_PORT.
    public var oscPort: Int
    /// OSC_TRANSPORT, "UDP" or "TCP".
    public var oscTransport: String
    /// OSC_IP; nil when the OSC server is at the OSCQuery server's address (the proposal's default).
    public var oscIP: String?

    public init(name: String, oscPort: Int, oscTransport: String = "UDP", oscIP: String? = nil) {
        self.name = name
        self.oscPort = oscPort
        self.oscTransport = oscTransport
        self.oscIP = oscIP
    }
}
