// The JACK server this process would play into: whether one runs, its rate,
// buffer size and physical ports (for `--list-devices` and the choice of an
// output), and the libjack calls that JackServer and JackOutput share.
//
// The server is JACK's default one, or the one JACK_DEFAULT_SERVER names (as
// for every JACK client). A server is never started: clients are opened with
// JackNoStartServer, so a machine without JACK simply has none.
//
// Threading: any control thread; never the render thread.

internal import CJack
import Foundation

public struct JackServer: Sendable, CustomStringConvertible {
    public let name: String
    public let sampleRate: Double
    public let bufferSize: Int
    /// Full names of the physical ports sound can be played to and taken from.
    public let playbackPorts: [String]
    public let capturePorts: [String]

    /// The running server, or nil when none answers (`reason` says why).
    /// Opens and closes a short-lived client named `clientName-probe`.
    public static func probe(clientName: String = "autocoder") -> (server: JackServer?, reason: String) {
        do {
            let client = try openClient(named: clientName + "-probe")
            defer { jack_client_close(client) }
            let server = JackServer(name: serverName, sampleRate: Double(jack_get_sample_rate(client)),
                                    bufferSize: Int(jack_get_buffer_size(client)),
                                    playbackPorts: physicalPorts(client, receivingSound: true),
                                    capturePorts: physicalPorts(client, receivingSound: false))
            return (server, "")
        } catch {
            return (nil, "\(error)")
        }
    }

    public var description: String {
        "jack: JACK server \"\(name)\", \(Int(sampleRate)) Hz, buffer \(bufferSize), \(playbackPorts.count) playback and "
            + "\(capturePorts.count) capture ports (any number of channels)"
    }

    /// The server libjack connects to: JACK_DEFAULT_SERVER, or "default".
    static var serverName: String { ProcessInfo.processInfo.environment["JACK_DEFAULT_SERVER"] ?? "default" }

    /// Opens a client on the running server; throws when there is none. libjack's
    /// own messages ("Cannot connect to server socket" on every attempt while
    /// the server is away) are kept quiet: the error says what went wrong.
    static func openClient(named name: String) throws -> OpaquePointer {
        _ = silenceLibraryMessages
        var status = jack_status_t(rawValue: 0)
        guard let client = autocoder_jack_client_open(name, JackNoStartServer, &status) else {
            if status.rawValue & JackServerFailed.rawValue != 0 {
                throw AudioOutputError(description: "no JACK server \"\(serverName)\" is running", noJackServer: true)
            }
            throw AudioOutputError(description: "JACK server \"\(serverName)\" refused the client \(name) (status 0x\(String(status.rawValue, radix: 16)))")
        }
        return client
    }

    /// Physical ports that take sound from clients (`receivingSound`: the
    /// playback ports) or give it to them (the capture ports), in JACK's order.
    static func physicalPorts(_ client: OpaquePointer, receivingSound: Bool) -> [String] {
        let direction = receivingSound ? JackPortIsInput : JackPortIsOutput
        guard let ports = jack_get_ports(client, nil, autocoder_jack_audio_type(), UInt(JackPortIsPhysical.rawValue | direction.rawValue)) else {
            return []
        }
        defer { jack_free(ports) }
        var names: [String] = []
        while let name = ports[names.count] { names.append(String(cString: name)) }
        return names
    }

    private static let silenceLibraryMessages: Void = {
        jack_set_error_function(ignoreJackMessage)
        jack_set_info_function(ignoreJackMessage)
    }()
}

private func ignoreJackMessage(_ message: UnsafePointer<CChar>?) {}
