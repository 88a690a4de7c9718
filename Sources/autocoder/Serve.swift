import ArgumentParser
import AutocoderAudio
import AutocoderEngine
import AutocoderServer
import Foundation
import Logging

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play a model live, controlled over OSC (UDP).",
        discussion: """
        Listens on LISTEN_PORT and replies to REPLY_PORT, in the order of the Python \
        `autocoder_remote.py 4013 4061`. Patches written for it work unchanged. Every OSC \
        address is listed in the README. Stops cleanly on /quit, Ctrl-C or SIGTERM, \
        finishing any recording.
        """
    )

    @Argument(help: "UDP port replies are sent to.")
    var replyPort: Int = 4013

    @Argument(help: "UDP port to listen on.")
    var listenPort: Int = 4061

    @Option(help: "The model's anchor (default: the bundled models/drone.wav).")
    var model: String?

    @Option(help: "Address to listen on; 0.0.0.0 listens on every interface.")
    var host: String = "127.0.0.1"

    @Option(help: "Send replies to this host instead of to each message's sender.")
    var replyHost: String?

    @Flag(help: "List the sound output devices (a running JACK server first) and exit.")
    var listDevices = false

    @Option(help: "Output device: jack, or a device's number or part of its name (see --list-devices). Default: JACK when its server runs, else the system default.")
    var device: String?

    @Option(help: "Frames per audio callback (under JACK, the JACK server's buffer size applies).")
    var blockSize: Int = 256

    @Option(help: "Device sample rate (default: 44100, or the device's own rate).")
    var sampleRate: Double?

    @Option(help: "Output channels (1 to 64); each voice plays on every channel or is routed to one (/voice/ID/out, /voice/ID/pan). Under JACK, one port each.")
    var channels: Int = 2

    @Option(help: "Voices the engine makes room for (1 to 1024), besides its own granular and autocode voices.")
    var maxVoices: Int = 256

    @Option(help: "Cores /train may use (1 to 256; default: every core, below the audio; fewer keep some free for other programs).")
    var trainingThreads: Int?

    @Option(help: "Input channels to open on the sound device (mixed to mono) for /autocode/input device.")
    var inputChannels: Int = 0

    @Option(help: "The server's client name in JACK.")
    var jackName: String = "autocoder"

    @Flag(help: "Do not open a sound device; render at the pace of the clock (recording and OSC still work).")
    var nullOutput = false

    @Flag(help: "Start silent; /play starts the sound.")
    var silent = false

    @Option(help: "Sample format of recordings: float (32-bit) or 24.")
    var recordFormat: SoundFileWriter.SampleFormat = .float32

    @Option(help: "Confine the files OSC may load or record to this folder (no .. or symbolic-link escapes).")
    var root: String?

    @Option(help: "TCP port for OSCQuery (the address space as JSON over HTTP, announced with zeroconf when an Avahi daemon runs); default: LISTEN_PORT + 1; 0 turns it off.")
    var oscquery: Int?

    @Flag(help: "Refuse /quit (for shared networks).")
    var noQuit = false

    @OptionGroup var synthesis: SynthesisOptions

    func validate() throws {
        for (name, port) in [("REPLY_PORT", replyPort), ("LISTEN_PORT", listenPort)] where !(1...65535).contains(port) {
            throw ValidationError("\(name) \(port) is not a UDP port (1 to 65535)")
        }
        if let oscquery, !(0...65535).contains(oscquery) { throw ValidationError("--oscquery \(oscquery) is not a TCP port (0 to 65535; 0 turns OSCQuery off)") }
        guard (16...8192).contains(blockSize) else { throw ValidationError("--block-size must be 16 to 8192") }
        guard (1...64).contains(channels) else { throw ValidationError("--channels must be 1 to 64") }
        guard (1...1024).contains(maxVoices) else { throw ValidationError("--max-voices must be 1 to 1024") }
        if let trainingThreads, !(1...256).contains(trainingThreads) { throw ValidationError("--training-threads must be 1 to 256") }
        guard (0...32).contains(inputChannels) else { throw ValidationError("--input-channels must be 0 to 32") }
        if let sampleRate, !(8000...192_000).contains(sampleRate) { throw ValidationError("--sample-rate must be 8000 to 192000") }
    }

    func run() throws {
        if listDevices {
            let devices = try AudioOutputRequest.deviceList(jackClientName: jackName)
            print(devices.isEmpty ? "no sound output devices" : devices.joined(separator: "\n"))
            return
        }
        let stop = StopRequest()
        StopSignals.watch { _ in stop.signal() }
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var configuration = ServerConfiguration(model: try model ?? BundledModel.path())
        configuration.host = host
        configuration.listenPort = listenPort
        configuration.replyPort = replyPort
        configuration.replyHost = replyHost
        configuration.shape = try synthesis.shape()
        configuration.settings = synthesis.settings
        configuration.walking = !synthesis.noWalk
        configuration.playing = !silent
        configuration.seed = synthesis.seed
        configuration.phase = synthesis.phase
        configuration.output.device = device
        configuration.output.sampleRate = sampleRate
        configuration.output.blockSize = blockSize
        configuration.output.channels = channels
        configuration.output.inputChannels = inputChannels
        configuration.output.jackClientName = jackName
        configuration.output.nullOutput = nullOutput
        configuration.recordFormat = recordFormat
        configuration.root = root
        configuration.quitAllowed = !noQuit
        configuration.maxVoices = maxVoices
        if let trainingThreads { configuration.trainingThreads = trainingThreads }
        configuration.oscQueryPort = oscquery

        let server = try AutocoderServer(configuration: configuration)
        stop.attach(server)
        print(server.readySummary)
        fflush(nil)
        if let finished = server.run(), let path = finished.path {
            print("recording finished: \(path) (\(finished.frames) frames)")
        }
        print("autocoder: stopped")
    }
}

/// Hands a stop signal to the server, or holds it until the server exists.
final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var pending = false
    private var attached: AutocoderServer?

    func signal() {
        lock.withLock {
            if let attached { attached.requestStop() } else { pending = true }
        }
    }

    func attach(_ server: AutocoderServer) {
        lock.withLock {
            attached = server
            if pending { server.requestStop() }
        }
    }
}

/// The model shipped in the repository's models/ folder.
enum BundledModel {
    static let relativePath = "models/drone.wav"

    static func path() throws -> String {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [
            FileManager.default.currentDirectoryPath + "/" + relativePath,
            executable.appendingPathComponent("../../" + relativePath).standardized.path,
            executable.appendingPathComponent("../../../" + relativePath).standardized.path,
        ]
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + ".mm") }) else {
            throw ValidationError("the bundled model (\(relativePath)) was not found; name one with --model")
        }
        return found
    }
}
