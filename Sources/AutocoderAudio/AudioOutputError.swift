// A sound output that cannot be found, opened or started; the description is
// meant for the user and names the device, the server or the value at fault.

public struct AudioOutputError: Error, CustomStringConvertible {
    public let description: String
    /// The JACK server is not running (so another output may be tried).
    let noJackServer: Bool

    public init(description: String) {
        self.init(description: description, noJackServer: false)
    }

    init(description: String, noJackServer: Bool) {
        self.description = description
        self.noJackServer = noJackServer
    }
}
