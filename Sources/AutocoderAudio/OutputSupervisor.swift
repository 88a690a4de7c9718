// Keeps sound going out, or at least the engine rendering: watches the device
// output, and when it goes away — JACK's shutdown callback, PortAudio's stream
// finishing, or no callback at all for `stallSeconds` (the watchdog on the
// engine's rendered-frames counter) — shuts its callback out of the engine,
// lets the null output render instead (recording and OSC go on), and, for
// JACK, tries every `retrySeconds` to open a new client on the server and hand
// the engine back to it. Never two threads render the engine at once: the null
// output starts only once the device's callback is shut out (RenderGate), and
// a new JACK client is activated only after the null output's thread has
// stopped.
//
// Threading: init/start/stop from the owner's thread; `state`, `current` and
// `takeEvents` from any thread (a lock guards them). The watching, falling back
// and reconnecting happen on the supervisor's own thread, so a JACK call that
// blocks on a stuck server never holds up the network thread.

import AutocoderEngine
import Foundation

public final class OutputSupervisor: @unchecked Sendable {
    public let engine: SynthesisEngine
    private let request: AudioOutputRequest
    private let stallSeconds: Double
    private let retrySeconds: Double
    private let lock = NSLock()
    // Guarded by `lock`.
    private var output: AudioOutput
    private var lostSince: Date?
    private var events: [OutputEvent] = []
    // Supervisor-thread state.
    private var reopenable = false
    private var lastAttempt = Date.distantPast
    private var lastFrames = 0
    private var lastProgress = Date()
    private var lastNotice = ""
    private let running = ManagedFlag()
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    /// `output` is started by `start`; `request` says how to open a JACK client
    /// again after a loss.
    public init(output: AudioOutput, engine: SynthesisEngine, request: AudioOutputRequest,
                stallSeconds: Double = 2, retrySeconds: Double = 1) {
        self.output = output
        self.engine = engine
        self.request = request
        self.stallSeconds = stallSeconds
        self.retrySeconds = retrySeconds
    }

    /// Starts the output (or, when it fails to start, the null output, with a
    /// notice saying why) and the watch.
    public func start() throws {
        do {
            try output.start(engine)
        } catch {
            // The device was there when probed but would not run: keep serving without it.
            let null = request.null(reason: "the sound device failed (\(error))", sampleRate: output.sampleRate, blockSize: output.blockSize)
            try null.start(engine)
            lock.withLock {
                output = null
                events.append(.notice("\(error); continuing with the null output"))
            }
        }
        reopenable = output.kind == .jack
        lastProgress = Date()
        lastFrames = engine.status.renderedFrames.load(ordering: .relaxed)
        running.set(true)
        let thread = Thread { [self] in
            while running.isSet {
                watch()
                usleep(100_000)
            }
            finished.signal()
        }
        thread.name = "autocoder output supervisor"
        self.thread = thread
        thread.start()
    }

    /// The output playing now (the null output while the device is lost).
    public var current: AudioOutput { lock.withLock { output } }

    /// /status's word for it: "jack", "portaudio", "null", or "lost" while a
    /// device that was playing is away.
    public var state: String { lock.withLock { lostSince == nil ? output.kind.rawValue : "lost" } }

    /// The events since the last call, oldest first.
    public func takeEvents() -> [OutputEvent] {
        lock.withLock {
            defer { events.removeAll() }
            return events
        }
    }

    /// Stops the watch and the output.
    public func stop() {
        if thread != nil {
            running.set(false)
            finished.wait()
            thread = nil
        }
        current.stop()
    }

    // MARK: Supervisor thread

    private func watch() {
        let now = Date()
        let playing = current
        if lock.withLock({ lostSince }) != nil {
            if reopenable, now.timeIntervalSince(lastAttempt) >= retrySeconds {
                lastAttempt = now
                reconnect(replacing: playing)
            }
            return
        }
        guard playing.kind != .null else { return }
        let frames = engine.status.renderedFrames.load(ordering: .relaxed)
        if frames != lastFrames {
            lastFrames = frames
            lastProgress = now
        }
        let stalled = now.timeIntervalSince(lastProgress) >= stallSeconds
        guard let reason = playing.failure ?? (stalled ? "no audio callback for \(Int(stallSeconds)) s" : nil) else { return }
        // A callback still inside render is let finish; the next tick tries again.
        guard playing.relinquishEngine() else { return }
        let null = request.null(reason: "\(playing.kind == .jack ? "JACK" : "the sound device") went away", sampleRate: engine.sampleRate,
                                blockSize: playing.blockSize)
        try? null.start(engine)
        lock.withLock {
            output = null
            lostSince = now
            events.append(.lost(reason: reason + (reopenable ? "; playing into the null output until the JACK server is back" :
                "; playing into the null output (PortAudio cannot reopen a lost device: restart the server)")))
        }
        playing.stop()
        lastAttempt = now
    }

    /// Opens a new JACK client; when the server is back at the engine's rate,
    /// stops the null output and hands the engine to the client.
    private func reconnect(replacing null: AudioOutput) {
        let jack: JackOutput
        do { jack = try request.openJack() } catch { return }
        guard jack.sampleRate == engine.sampleRate else {
            let notice = "the JACK server is back at \(Int(jack.sampleRate)) Hz, but the server renders at \(Int(engine.sampleRate)) Hz: "
                + "restart autocoder (or JACK at \(Int(engine.sampleRate)) Hz) to hear it"
            jack.stop()
            if notice != lastNotice {
                lastNotice = notice
                lock.withLock { events.append(.notice(notice)) }
            }
            return
        }
        null.stop()
        do {
            try jack.start(engine)
        } catch {
            jack.stop()
            try? null.start(engine)
            return
        }
        lastProgress = Date()
        lastFrames = engine.status.renderedFrames.load(ordering: .relaxed)
        lastNotice = ""
        lock.withLock {
            output = jack
            lostSince = nil
            events.append(.restored(description: jack.description))
        }
    }
}
