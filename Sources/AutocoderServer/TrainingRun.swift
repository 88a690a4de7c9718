// One /train, from the sound to the bundle, in child processes below the
// audio: `autocoder analyze SOUND` (SOUND.npy, .minmax), then `autocoder train
// SOUND --progress-lines --stop-with-parent [options]` (SOUND.mm, .dec, .enc,
// the report), each started by `cspawn_idle`: at SCHED_IDLE, so every thread
// of it — the trainer's and its BLAS workers, on every core by default
// (`serve --training-threads`) — gets a core only when no normal thread wants
// it, and the audio thread always does. A child of
// its own rather than threads of the server: every thread it starts inherits
// the policy (OpenBLAS starts its workers when the library loads, before any
// code could lower them), and whatever happens to it — a crash, a kill — the
// server plays on. The trainer writes its files only whole, renamed into
// place (`writeAtomically`), so a training killed at any moment leaves the
// previous bundle as it was; with the server gone it stops writing nothing
// (`--stop-with-parent`, and the broken pipe of its progress).
//
// Threading: made, read (`progress`, `outcome`), stopped and abandoned by the
// network thread; its own thread (itself at SCHED_IDLE, as `cspawn_idle`
// leaves it) starts the children, reads what they print, waits for them and
// then wakes the network thread (`wake`).

import AutocoderOSC
import CSpawn
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

final class TrainingRun: @unchecked Sendable {
    /// What `/train` asked for besides the sound.
    struct Options: Equatable {
        var deep = false
        var published = false
        var epochs: Int?
        var patience: Int?
        /// Load the model into voice 1 once it is trained.
        var play = false

        /// Reads `deep`, `published`, `play`, `epochs N` and `patience N` (N a
        /// number, or a word that is one: Pd may send either).
        init(_ arguments: ArraySlice<OSCArgument>) throws {
            var rest = arguments
            func count(after word: String) throws -> Int {
                guard let next = rest.popFirst() else { throw Rejection("\(word) needs a number after it") }
                guard let value = Self.number(next), value.rounded() == value, value >= 1, value <= 1_000_000 else {
                    throw Rejection("\(word) takes a whole number from 1 to 1000000, not \(Self.text(next))")
                }
                return Int(value)
            }
            while let option = rest.popFirst() {
                switch Self.text(option) {
                case "deep": deep = true
                case "published": published = true
                case "play": play = true
                case "epochs": epochs = try count(after: "epochs")
                case "patience": patience = try count(after: "patience")
                default:
                    throw Rejection("unknown option \(Self.text(option)): expected deep, published, play, epochs N or patience N")
                }
            }
        }

        /// An argument's value as a number: a number, or a string that reads as one.
        private static func number(_ argument: OSCArgument) -> Double? {
            if case let .string(text) = argument { return Double(text) }
            return argument.number
        }

        /// An argument as its words say it (a whole number without a decimal point).
        private static func text(_ argument: OSCArgument) -> String {
            if case let .string(text) = argument { return text }
            guard let number = argument.number else { return argument.typeName }
            return number.rounded() == number ? String(Int(number)) : String(number)
        }

        /// The options as `autocoder train` takes them.
        var trainArguments: [String] {
            var arguments: [String] = []
            if deep { arguments.append("--deep") }
            if published { arguments.append("--published") }
            if let epochs { arguments += ["--epochs", String(epochs)] }
            if let patience { arguments += ["--patience", String(patience)] }
            return arguments
        }

        var summary: String {
            var words = [deep ? "deep" : "shallow"]
            if published { words.append("published settings") }
            if let epochs { words.append("at most \(epochs) epochs") }
            if let patience { words.append("patience \(patience)") }
            if play { words.append("then played") }
            return words.joined(separator: ", ")
        }
    }

    /// The trainer's latest report.
    struct Progress {
        let epoch: Int
        let maxEpochs: Int
        let loss: Double
        /// At most this long to go, as of `time`.
        let secondsLeft: Double
        let time: Date
    }

    enum Outcome {
        /// The bundle is written; `stopped` when /train/stop ended it early.
        case trained(stopped: Bool)
        /// Nothing written: why.
        case failed(String)
    }

    let sound: String
    let options: Options
    let ticket: LoadTicket
    let started = Date()
    private let executable: String
    /// BLAS threads for the trainer (`serve --training-threads`).
    private let threads: Int
    private let wake: WakeSignal
    private let logger: Logger
    private let lock = NSLock()
    private var latest: Progress?
    private var result: Outcome?
    /// The child running now (0 when none), and whether it is the trainer.
    private var child: pid_t = 0
    private var childTrains = false
    private var stopRequested = false
    private var abandoned = false
    private let finished = DispatchSemaphore(value: 0)

    init(sound: String, options: Options, ticket: LoadTicket, executable: String, threads: Int, wake: WakeSignal, logger: Logger) {
        self.sound = sound
        self.options = options
        self.ticket = ticket
        self.executable = executable
        self.threads = threads
        self.wake = wake
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "autocoder train"
        thread.start()
    }

    var progress: Progress? { lock.withLock { latest } }
    var outcome: Outcome? { lock.withLock { result } }

    /// Asks the training to end: the trainer finishes its epoch and writes the
    /// best weights so far; an analysis still running is ended (nothing to keep).
    func stop() {
        lock.withLock {
            stopRequested = true
            if child != 0 { kill(child, childTrains ? SIGTERM : SIGKILL) }
        }
    }

    /// Ends it at once, writing nothing, and waits (the server is stopping).
    func abandon() {
        lock.withLock {
            abandoned = true
            if child != 0 { kill(child, SIGKILL) }
        }
        finished.wait()
    }

    private func run() {
        defer {
            finished.signal()
            wake.signal()
        }
        let outcome: Outcome
        let analysis = runChild(["analyze", sound], trains: false)
        switch analysis {
        case _ where lock.withLock({ stopRequested }):
            outcome = .failed("stopped by /train/stop before training began: no model written")
        case let .failure(reason):
            outcome = .failed("analysing \(sound): \(reason.text)")
        case .success:
            switch runChild(["train", sound, "--progress-lines", "--stop-with-parent"] + options.trainArguments, trains: true) {
            case let .failure(reason): outcome = .failed("training on \(sound): \(reason.text)")
            case .success: outcome = .trained(stopped: lock.withLock { stopRequested })
            }
        }
        lock.withLock { result = outcome }
    }

    /// Runs `autocoder ARGUMENTS` to its end. Success when it exits 0; else why not
    /// (its last words on standard error, or the signal that ended it).
    private func runChild(_ arguments: [String], trains: Bool) -> Result<Void, ChildFailureReason> {
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = String(threads)
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in envp { free(pointer) } }

        var pid: pid_t = 0
        var output: Int32 = -1, errors: Int32 = -1
        let spawned: Int32 = lock.withLock {
            guard !abandoned else { return ECANCELED }
            let status = cspawn_idle(executable, argv, envp, &pid, &output, &errors)
            if status == 0 {
                child = pid
                childTrains = trains
            }
            return status
        }
        guard spawned == 0 else {
            return .failure(ChildFailureReason(spawned == ECANCELED ? "the server is stopping" : "could not start \(executable): \(String(cString: strerror(spawned)))"))
        }
        logger.debug("train: started \(([executable] + arguments).joined(separator: " ")) (pid \(pid), SCHED_IDLE)")
        let lastWords = read(output: output, errors: errors)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        lock.withLock {
            child = 0
            childTrains = false
        }
        let signal = status & 0x7f, code = (status >> 8) & 0xff
        if signal == 0 && code == 0 { return .success(()) }
        let said = lastWords.isEmpty ? "" : ": \(lastWords)"
        if signal != 0 { return .failure(ChildFailureReason("ended by signal \(signal)\(said)")) }
        return .failure(ChildFailureReason("exited with status \(code)\(said)"))
    }

    /// Why a child did not succeed, in words.
    struct ChildFailureReason: Error {
        let text: String
        init(_ text: String) { self.text = text }
    }

    /// Reads the child's standard output (its progress lines) and standard error
    /// (logged) until both close; returns the last line it wrote on standard error.
    private func read(output: Int32, errors: Int32) -> String {
        defer {
            close(output)
            close(errors)
        }
        var pending = [Data(), Data()]
        var open = [true, true]
        var lastError = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        while open[0] || open[1] {
            var fds = [pollfd(fd: open[0] ? output : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: open[1] ? errors : -1, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 2, -1) >= 0 || errno == EINTR else { break }
            for stream in 0..<2 where open[stream] && fds[stream].revents != 0 {
                let n = Glibc.read(fds[stream].fd, &buffer, buffer.count)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    open[stream] = false
                    continue
                }
                pending[stream].append(contentsOf: buffer[0..<n])
                while let newline = pending[stream].firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[stream][pending[stream].startIndex..<newline], as: UTF8.self)
                    pending[stream].removeSubrange(pending[stream].startIndex...newline)
                    if stream == 0 {
                        take(line)
                    } else if !line.trimmingCharacters(in: .whitespaces).isEmpty {
                        lastError = line
                        logger.info("train: \(line)")
                    }
                }
            }
        }
        return lastError
    }

    /// A line of the trainer's standard output: `progress EPOCH MAX LOSS SECONDS_LEFT`, or what it says otherwise (logged).
    private func take(_ line: String) {
        let fields = line.split(separator: " ")
        guard fields.first == "progress", fields.count == 5, let epoch = Int(fields[1]), let maxEpochs = Int(fields[2]),
              let loss = Double(fields[3]), let left = Double(fields[4]) else {
            if !line.isEmpty { logger.info("train: \(line)") }
            return
        }
        let progress = Progress(epoch: epoch, maxEpochs: maxEpochs, loss: loss, secondsLeft: left, time: Date())
        lock.withLock { latest = progress }
    }
}
