// `autocoder serve`: OSC in, sound out. This file holds the server's state,
// its start, the socket loop and the dispatch of each message to the
// declaration of its address (the command table, Commands/); what each
// address does lives with its family and in the AutocoderServer+… files.
//
// Threads:
// - the network thread (whoever calls `run`): receives OSC, checks it, answers
//   it, and queues commands to the engine. It owns the server's state: only it
//   changes the loaded model, the tables and the voices' settings.
// - the load worker (LoadWorker): reads files, analyses sound and builds
//   models and voices for the slow requests (/load*, /autocode/input), which
//   the network thread then applies (ModelLoad, DistanceLoad, GranularLoad,
//   AutocodeInputLoad each own one kind's whole life). So nothing the network
//   thread does waits for a disk or an analysis.
// - the render thread: JACK's process callback, the PortAudio callback or the
//   null output's thread.
// - the output supervisor's thread (OutputSupervisor): watches the device,
//   falls back to the null output and back to JACK; the network thread takes
//   its events and tells the clients.
// - the recorder's writer thread.
// - the OSCQuery HTTP thread (SwiftNIO) and Avahi's thread: they read the
//   address space the network thread publishes (AddressSpaceSnapshot).
// `requestStop` may be called from any thread (signal handlers use it).

import AutocoderAudio
import AutocoderEngine
import AutocoderModel
import AutocoderOSC
import AutocoderOSCQuery
import Atomics
import Foundation
import Logging

public struct ServerConfiguration: Sendable {
    public var model: String
    public var host = "127.0.0.1"
    public var listenPort = 4061
    public var replyPort = 4013
    /// Where replies go; nil: to the sender's address, at `replyPort`.
    public var replyHost: String?
    public var shape = SynthesisShape.standard
    public var settings: [(EngineParameter, Float)] = []
    public var walking = true
    public var playing = true
    public var seed: UInt64 = 1
    /// How generative voices give their spectra a phase (voice 1 and new ones).
    public var phase: PhaseMode = .random
    /// The sound output: device, rate, block size, channels (the engine's
    /// too), input channels, JACK client name, or the null output.
    public var output = AudioOutputRequest()
    public var recordFormat = SoundFileWriter.SampleFormat.float32
    /// Confine every path from OSC (/load*, /record/start) to this folder.
    public var root: String?
    /// Refuse /quit (for shared networks).
    public var quitAllowed = true
    /// The TCP port OSCQuery is served on: nil for the listen port + 1, 0 for none.
    public var oscQueryPort: Int?
    /// Voices the engine preallocates room for (besides the server's own
    /// granular and autocode voices).
    public var maxVoices = 256
    /// The `autocoder` executable /train runs (`analyze`, then `train`): by
    /// default the running one (`autocoder serve` is that executable).
    public var trainerExecutable = Bundle.main.executablePath ?? CommandLine.arguments[0]
    /// The threads /train's BLAS may use: every core by default (the idle
    /// policy gives the audio every cycle it asks for first).
    public var trainingThreads = ProcessInfo.processInfo.activeProcessorCount

    public init(model: String) { self.model = model }
}

/// A configuration the server cannot start with.
public struct ServerConfigurationError: Error, CustomStringConvertible {
    public let description: String
}

public final class AutocoderServer: @unchecked Sendable {
    public let configuration: ServerConfiguration
    public let engine: SynthesisEngine
    /// The sound output, watched: it falls back to the null output when the
    /// device goes away, and back to JACK when JACK returns.
    public let audio: OutputSupervisor
    /// The output playing now.
    public var output: AudioOutput { audio.current }
    let socket: UDPSocket
    let recorder: Recorder
    let logger: Logger
    private let stopRequested = ManagedAtomic<Bool>(false)
    private let replyAddress: SocketAddress?
    let wake: WakeSignal
    let loads: LoadWorker
    /// What the OSCQuery server serves (nil when it is off).
    var addressSpace: AddressSpaceSnapshot?
    var oscQuery: OSCQueryService?
    var zeroconf: ZeroconfAnnouncement?
    /// Where OSCQuery is served and announced, for the ready summary.
    var oscQuerySummary = "off"

    // Network-thread state.
    var anchor: String
    /// The loaded model's decoder as /decode answers: its own output (4096
    /// values for the training notebook's `.fft.dec`).
    var decoder: Decoder?
    /// The decoder synthesis runs (for a `.fft.dec` of the standard matrix, its
    /// mel part), which the autocode voice plays too.
    var synthesisDecoder: Decoder?
    var encoder: Encoder?
    var requestedShape: SynthesisShape
    var kernelShape: SynthesisShape
    /// Voice 1's model, whole: what `/voice/new` without an anchor plays.
    var bundle: ModelBundle
    /// The sounding model's level calibration (its make-up gain).
    var calibration: LevelCalibration?
    /// Settings of the granular and autocode voices, by ID.
    var settings: [Int: VoiceSettings] = [:]
    var granularLoads: [Int: GranularLoad] = [:]
    var autocodeLoads: [Int: AutocodeInputLoad] = [:]
    var filterLoads: [Int: FilterInputLoad] = [:]
    var voiceModelLoads: [String: ModelLoad] = [:]
    /// IDs of voices whose model is loading for /voice/new.
    var pendingNewVoices: Set<Int> = []
    /// Who asked for each voice being freed.
    var freeRequesters: [Int: SocketAddress] = [:]
    var distance: DistanceTable?
    var windowSkip = 1024
    private(set) var received = 0
    private(set) var rejected = 0
    var random = SystemRandomNumberGenerator()
    /// Every address the server answers.
    let commands = OSCCommandTable.standard
    /// The arguments last accepted at each setting's address (`settingKey`), for OSCQuery's VALUE.
    var settingValues: [String: [OSCArgument]] = [:]
    /// The clients registered with /notify.
    var clients = NotifiedClients()
    /// Replies waiting for the engine to take what came before them (/done, /synced),
    /// in the order of the requests they answer.
    var completions: [Completion] = []
    /// The last request's place in the order of requests (see Completion).
    var requestSequence = 0
    let paths: PathPolicy
    /// Who hears that a take ended by itself.
    var recordingListeners = RecordingListeners()
    /// The snapshot stores read so far, by model anchor.
    var snapshotStores: [String: SnapshotStore] = [:]
    /// Recalls still gliding, by voice; the serial of the last morph sent.
    var pendingRecalls: [Int: PendingRecall] = [:]
    var morphSerial = 0

    // The slow requests, each from its check to its reply.
    lazy var modelLoads = [
        ModelLoad(server: self, address: "/load", selection: .model),
        ModelLoad(server: self, address: "/load/decoder", selection: .decoder),
        ModelLoad(server: self, address: "/load/encoder", selection: .encoder),
        // The Max external's names.
        ModelLoad(server: self, address: "/open", selection: .decoder),
        ModelLoad(server: self, address: "/open/fft", selection: .fftDecoder),
    ]
    lazy var distanceLoad = DistanceLoad(server: self)
    lazy var listening = Listening(server: self)
    lazy var training = Training(server: self)
    /// Where `/status/load` counts from (nil: the start).
    var loadMark: LoadHistogram.Mark?

    /// Largest number of arguments and longest string accepted in one message.
    public static let maximumArguments = 1024
    public static let maximumStringLength = 4096

    /// Loads the model, finds the audio output, binds the socket, and starts
    /// sound. Throws with a message for the user when any of these fails.
    public init(configuration: ServerConfiguration, logger: Logger = Logger(label: "autocoder")) throws {
        self.configuration = configuration
        self.logger = logger
        do { paths = try PathPolicy(root: configuration.root) } catch let rejection as Rejection {
            throw ServerConfigurationError(description: rejection.reason)
        }
        let bundle = try ModelBundle(anchor: configuration.model, parts: ModelBundle.parts(of: configuration.model, encoder: .whenPresent))
        anchor = bundle.anchor
        decoder = bundle.outputDecoder
        synthesisDecoder = bundle.synthesis?.decoder
        encoder = bundle.encoder
        // Refused before any sound device is opened.
        _ = try LoadedModel.playableDecoder(of: bundle)

        PortAudio.setJACKClientName(configuration.output.jackClientName)
        let output = try configuration.output.open()
        let sampleRate = output.sampleRate
        requestedShape = configuration.shape
        kernelShape = configuration.shape.scaled(toSampleRate: sampleRate)
        let model = try LoadedModel(bundle: bundle, shape: kernelShape, sampleRate: sampleRate)
        self.bundle = bundle
        calibration = model.calibration
        engine = SynthesisEngine(model: model, shape: kernelShape, sampleRate: sampleRate, channels: configuration.output.channels, seed: configuration.seed,
                                 walking: configuration.walking, playing: configuration.playing, maxVoices: configuration.maxVoices)
        for (parameter, value) in configuration.settings { engine.send(.parameter(parameter, value)) }
        engine.send(.phase(configuration.phase))

        socket = try UDPSocket(binding: SocketAddress(host: configuration.host, port: configuration.listenPort))
        replyAddress = try configuration.replyHost.map { try SocketAddress(host: $0, port: configuration.replyPort) }
        recorder = Recorder(engine: engine, sampleRate: Int(sampleRate))
        wake = try WakeSignal()
        loads = LoadWorker(wake: wake)

        audio = OutputSupervisor(output: output, engine: engine, request: configuration.output)
        for (parameter, value) in configuration.settings { settingValues[(parameter == .gain ? "0/" : "1/") + parameter.rawValue] = [.float(value)] }
        settingValues["1/phase"] = [.string(configuration.phase.rawValue)]
        // Voice 1's snapshots are read (and a broken file set aside) at start.
        _ = try? snapshotStore(of: 1, requester: nil)
        try startOSCQuery()
        try audio.start()
        for event in audio.takeEvents() { report(event) }
    }

    /// What `serve` prints once it is ready.
    public var readySummary: String {
        """
        autocoder: listening on \(socket.localAddress) (OSC/UDP, \(socket.receiveBufferSize / 1024) KB receive buffer), \(replyDescription)
        model:  \(anchor)
        audio:  \(output.description)
        synthesis: FFT \(kernelShape.fftSize), hop \(kernelShape.hop), \(engine.channels) channel\(engine.channels == 1 ? "" : "s"), walk \(engine.status.isWalking ? "on" : "off")
        level:  \(calibration?.summary ?? "not calibrated"); limiter at -1 dBFS, \(String(format: "%.1f", Double(engine.outputLatency) / engine.sampleRate * 1000)) ms look-ahead
        oscquery: \(oscQuerySummary)
        """
    }

    /// Where replies go, in words: "replies to port 4013 of each sender's host".
    private var replyDescription: String {
        guard let replyHost = configuration.replyHost else { return "replies to port \(configuration.replyPort) of each sender's host" }
        return "replies to \(replyHost) port \(configuration.replyPort)"
    }

    public func requestStop() { stopRequested.store(true, ordering: .releasing) }

    /// Serves until `/quit` or `requestStop`, then stops sound and finishes any
    /// recording. Returns the recording that was finished, if one was running.
    @discardableResult
    public func run() -> Recorder.State? {
        while !stopRequested.load(ordering: .acquiring) {
            if let (bytes, sender) = socket.receive(timeout: 0.05, wakeDescriptor: wake.descriptor) {
                handle(datagram: bytes, from: sender)
            }
            applyFinishedLoads()
            engine.collectRetired()
            announceFreedVoices()
            listening.relay()
            training.relay()
            sendCompletions()
            answerRecalls()
            sendPeriodicStatus()
            publishAddressSpace()
            for event in audio.takeEvents() { report(event) }
            if let failure = recorder.takeFailure() {
                logger.error("recording: \(failure)")
                for listener in recordingListeners.destinations {
                    send(OSCMessage("/error", [.string("/record"), .string(failure)]), to: listener)
                }
            }
        }
        // Loads still running are dropped; a file being read is not waited for.
        loads.stop()
        listening.stop()
        training.abandon()
        zeroconf?.stop()
        oscQuery?.stop()
        let finished = recorder.shutdown()
        audio.stop()
        engine.collectRetired()
        if let finished, let path = finished.path {
            logger.info("recording finished: \(path), \(finished.frames) frames")
        }
        return finished
    }

    /// Applies the loads the worker has finished since the last call, in the
    /// order they were asked for.
    private func applyFinishedLoads() {
        wake.drain()
        let finished = loads.takeFinished()
        if !finished.isEmpty { addressSpace?.invalidate() }
        for job in finished {
            do {
                guard let outcome = job.outcome else { continue }
                try outcome.get()()
            } catch {
                job.failed(error)
            }
        }
    }

    /// Logs what became of the sound output and tells the clients that watch
    /// (those told about recordings, and the last sender): a loss
    /// as `/error /output reason`, a return as `/output s:kind s:description`.
    private func report(_ event: OutputEvent) {
        let message: OSCMessage
        switch event {
        case let .lost(reason):
            logger.error("audio: \(reason)")
            message = OSCMessage("/error", [.string("/output"), .string(reason)])
        case let .restored(description):
            logger.notice("audio: back on \(description)")
            message = OSCMessage("/output", [.string(output.kind.rawValue), .string(description)])
        case let .notice(text):
            logger.warning("audio: \(text)")
            message = OSCMessage("/error", [.string("/output"), .string(text)])
        }
        var destinations = recordingListeners.destinations
        if let lastSender {
            let destination = replyDestination(lastSender)
            if !destinations.contains(where: { $0.description == destination.description }) { destinations.append(destination) }
        }
        for destination in destinations { send(message, to: destination) }
    }

    /// Sender of the datagram being handled (or last handled): replies go back to it.
    private(set) var lastSender: SocketAddress?
    /// The frame of the sample clock the message being handled takes effect
    /// at, from its bundle's time tag (nil: at once).
    private(set) var messageFrame: Int?

    // MARK: Messages

    /// Handles one datagram as if it had arrived on the socket (for embedding and
    /// fuzzing). Network thread only: call it from the thread that runs the
    /// server, or from a server that is not running.
    public func receive(datagram: [UInt8], from sender: SocketAddress) {
        applyFinishedLoads()
        handle(datagram: datagram, from: sender)
    }

    private func handle(datagram: [UInt8], from sender: SocketAddress) {
        lastSender = sender
        addressSpace?.invalidate()
        let messages: [OSCTimedMessage]
        do {
            messages = try OSCCodec.decodeTimed(datagram)
        } catch {
            received += 1
            rejected += 1
            send(OSCMessage("/error", [.string(""), .string("\(error)")]), to: replyDestination(sender))
            return
        }
        defer { messageFrame = nil }
        for timed in messages {
            received += 1
            let message = timed.message
            messageFrame = timed.time.isImmediate ? nil : engine.frame(atUnixTime: timed.time.unixTime)
            if OSCAddressPattern.isPattern(message.address) {
                handle(pattern: message, from: sender)
            } else {
                do {
                    dispatch(message, to: try commands.resolve(message.address, voices: engine.voices), from: sender)
                } catch {
                    reject(message.address, (error as? Rejection)?.reason ?? "\(error)", sender)
                }
            }
        }
    }

    /// A message whose address is a pattern goes to every address it matches —
    /// the server's own and `/voice/ID/…` of every voice — in order, each
    /// checked and answered as if sent on its own; a pattern that matches
    /// nothing is refused.
    private func handle(pattern message: OSCMessage, from sender: SocketAddress) {
        let matches = commands.matches(OSCAddressPattern(message.address), on: self)
        guard !matches.isEmpty else { return reject(message.address, "the pattern matches no address", sender) }
        for match in matches { dispatch(OSCMessage(match.address, message.arguments), to: match, from: sender) }
    }

    /// Checks one message against its declaration and runs its handler, or refuses it.
    private func dispatch(_ message: OSCMessage, to address: OSCCommandTable.Address, from sender: SocketAddress) {
        do {
            guard message.arguments.count <= Self.maximumArguments else {
                throw Rejection("\(message.arguments.count) arguments; at most \(Self.maximumArguments) are accepted")
            }
            for case let .string(text) in message.arguments where text.utf8.count > Self.maximumStringLength {
                throw Rejection("a string of \(text.utf8.count) bytes; at most \(Self.maximumStringLength) are accepted")
            }
            let request = Request(message: message)
            try address.command.signature.check(request)
            switch address.command.target {
            case let .server(handle): try handle(self, request)
            case let .voice(_, _, handle): try handle(self, address.voice!, request)
            }
            if case .setting = address.command.value {
                settingValues[Self.settingKey(address)] = address.command.signature.normalised(message.arguments)
            }
        } catch let rejection as Rejection {
            reject(message.address, rejection.reason, sender)
        } catch {
            reject(message.address, "\(error)", sender)
        }
    }

    /// At most this many rejections are logged per second, so that a flood of bad
    /// messages cannot stall the network thread on a slow or unread log.
    private static let rejectionLogsPerSecond = 20
    private var rejectionLogWindow = Date.distantPast
    private var rejectionLogsInWindow = 0
    private var rejectionLogsSuppressed = 0

    /// Refuses a slow request whose load failed, or that a newer one superseded.
    func reject(_ ticket: LoadTicket, _ error: Error) {
        reject(ticket.address, (error as? Rejection)?.reason ?? "\(error)", ticket.requester)
    }

    /// Tells the sender of a request still loading that a newer one replaced it.
    func superseded(_ ticket: LoadTicket, by address: String) {
        reject(ticket, Rejection("superseded by a newer \(address)"))
    }

    func reject(_ address: String, _ reason: String, _ sender: SocketAddress) {
        rejected += 1
        let now = Date()
        if now.timeIntervalSince(rejectionLogWindow) >= 1 {
            if rejectionLogsSuppressed > 0 {
                logger.notice("\(rejectionLogsSuppressed) more rejected messages were not logged")
            }
            rejectionLogWindow = now
            rejectionLogsInWindow = 0
            rejectionLogsSuppressed = 0
        }
        if rejectionLogsInWindow < Self.rejectionLogsPerSecond {
            rejectionLogsInWindow += 1
            logger.notice("rejected \(address): \(reason)")
        } else {
            rejectionLogsSuppressed += 1
        }
        send(OSCMessage("/error", [.string(address), .string(reason)]), to: replyDestination(sender))
    }

    func replyDestination(_ sender: SocketAddress) -> SocketAddress {
        if let registered = clients.destination(of: sender) { return registered }
        if let replyAddress { return replyAddress }
        var destination = sender
        destination.setPort(configuration.replyPort)
        return destination
    }

    func reply(_ address: String, _ arguments: [OSCArgument] = []) {
        guard let sender = lastSender else { return }
        reply(address, arguments, to: sender)
    }

    func reply(_ address: String, _ arguments: [OSCArgument], to sender: SocketAddress) {
        send(OSCMessage(address, arguments), to: replyDestination(sender))
    }

    /// The ticket for a slow request from the sender being handled now.
    func ticket(_ request: Request) -> LoadTicket {
        LoadTicket(address: request.address, requester: lastSender!, sequence: takeSequence())
    }

    static let splitPathHint = "was a path with a space split in two? Send it as one string ([autocoder-client] in Pd joins it)"

    func send(_ message: OSCMessage, to destination: SocketAddress) {
        socket.send(OSCCodec.encode(message), to: destination)
    }
}
