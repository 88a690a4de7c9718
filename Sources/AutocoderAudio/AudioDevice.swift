// A PortAudio output device as `--list-devices` shows it and `--device` picks
// it. (JACK is not a PortAudio device here: see JackServer.)

public struct AudioDevice: Sendable, CustomStringConvertible {
    public let index: Int
    public let name: String
    public let hostAPI: String
    public let outputChannels: Int
    public let inputChannels: Int
    public let defaultSampleRate: Double
    public let isDefault: Bool

    public var description: String {
        "\(index): \(name) [\(hostAPI)] \(inputChannels) in, \(outputChannels) out, \(Int(defaultSampleRate)) Hz\(isDefault ? " (default)" : "")"
    }

    /// Whether `name` picks this device: its number, or part of its name.
    func matches(_ name: String) -> Bool {
        Int(name) == index || self.name.localizedCaseInsensitiveContains(name)
    }
}
