// Starts the built `autocoder serve` as a user would and talks to it over
// real UDP with a liblo-based client.
//
// The binaries are the release builds that scripts/test makes first
// (`swift build -c release`): the server must keep up with real time, and the
// allocation guarantee is for the optimised code that ships.

import AutocoderOSC
import Foundation
import Testing

enum Binaries {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func release(_ name: String) throws -> String {
        let path = root + "/.build/release/" + name
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw HarnessError(description: "\(path) is missing: run scripts/test, or `swift build -c release` first")
        }
        return path
    }

    /// Runs the release `autocoder` with `arguments` to the end; returns its exit
    /// status, standard output and standard error. The error stream goes to a
    /// file, so a chatty command can never stall on a pipe nobody reads.
    /// `environment` is added to the test's own; after `timeout` seconds the
    /// command is killed (SIGKILL), so one that should have stopped cannot
    /// hang the test.
    static func runAutocoder(_ arguments: [String], environment: [String: String] = [:],
                             timeout: Double? = nil) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try release("autocoder"))
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        let errorsPath = NSTemporaryDirectory() + "autocoder-errors-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: errorsPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorsPath) }
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorsPath))
        try process.run()
        let pid = process.processIdentifier
        let killer = DispatchWorkItem { kill(pid, SIGKILL) }
        if let timeout { DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer) }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        killer.cancel()
        return (process.terminationStatus, text, (try? String(contentsOfFile: errorsPath, encoding: .utf8)) ?? "")
    }

    /// Runs the render-allocation probe on the bundled model for 3 seconds
    /// under malloc-interposer (`--null` forces the null output); returns what
    /// it printed and the callbacks it counted.
    static func runAllocationProbe(null: Bool, environment: [String: String] = [:]) throws -> (text: String, callbacks: Int) {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: try release("render-allocation-probe"))
        probe.arguments = [bundledModel, "3"] + (null ? ["--null"] : [])
        probe.environment = ["LD_PRELOAD": root + "/.build/release/libMallocInterposerSwift.so"].merging(environment) { $1 }
        let output = Pipe()
        probe.standardOutput = output
        try probe.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        probe.waitUntilExit()
        let callbacks = Int(text.split(separator: "\n").first { $0.hasPrefix("callbacks: ") }?.dropFirst(11) ?? "") ?? 0
        return (text, callbacks)
    }

    static var fixtures: String { root + "/Tests/Fixtures/models" }
    static var bundledModel: String { root + "/models/drone.wav" }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
}

/// A UDP port nobody is listening on right now.
func freePort() throws -> Int {
    let probe = try UDPSocket(binding: SocketAddress(host: "127.0.0.1", port: 0))
    return probe.port
}

final class ServerProcess {
    let process = Process()
    let client: UDPSocket
    let serverAddress: SocketAddress
    let listenPort: Int
    let output = Pipe()
    /// The server's log, in a file: a pipe nobody drains would stall the server.
    let errors: FileHandle
    private let errorsPath = NSTemporaryDirectory() + "autocoder-server-\(UUID().uuidString).log"
    private var pending: [OSCMessage] = []

    /// Starts `autocoder serve REPLY LISTEN extra…` (with `environment` added to
    /// the test's own) and waits until it answers /sanity/check.
    init(_ extra: [String] = ["--null-output"], workingDirectory: String? = nil, environment: [String: String] = [:]) throws {
        client = try UDPSocket(binding: SocketAddress(host: "127.0.0.1", port: 0))
        listenPort = try freePort()
        serverAddress = try SocketAddress(host: "127.0.0.1", port: listenPort)
        process.executableURL = URL(fileURLWithPath: try Binaries.release("autocoder"))
        process.arguments = ["serve", String(client.port), String(listenPort), "--model", Binaries.bundledModel] + extra
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = output
        _ = FileManager.default.createFile(atPath: errorsPath, contents: nil)
        errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errorsPath))
        process.standardError = errors
        try process.run()
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            send("/sanity/check")
            if let reply = receive(timeout: 0.2), reply.address == "/sanity" { return }
            guard process.isRunning else { break }
        }
        throw HarnessError(description: "the server did not answer: \(log)")
    }

    deinit {
        if process.isRunning {
            process.terminate()
            // A server that does not stop on SIGTERM is killed, so that it cannot hang the tests.
            if waitForExit(timeout: 10) == nil { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: errorsPath)
    }

    /// What the server has logged so far.
    var log: String { (try? String(contentsOfFile: errorsPath, encoding: .utf8)) ?? "" }

    func send(_ address: String, _ arguments: [OSCArgument] = []) {
        client.send(OSCCodec.encode(OSCMessage(address, arguments)), to: serverAddress)
    }

    func sendRaw(_ bytes: [UInt8]) { client.send(bytes, to: serverAddress) }

    /// The next message from the server, or nil after `timeout` seconds.
    func receive(timeout: Double = 5) -> OSCMessage? {
        if !pending.isEmpty { return pending.removeFirst() }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let (bytes, _) = client.receive(timeout: deadline.timeIntervalSinceNow), let messages = try? OSCCodec.decode(bytes) {
                pending += messages
                if !pending.isEmpty { return pending.removeFirst() }
            }
        }
        return nil
    }

    /// Sends and returns the first reply at `replyAddress`; fails the test on timeout.
    func request(_ address: String, _ arguments: [OSCArgument] = [], reply replyAddress: String, timeout: Double = 5,
                 sourceLocation: SourceLocation = #_sourceLocation) -> OSCMessage? {
        send(address, arguments)
        return expect(replyAddress, timeout: timeout, sourceLocation: sourceLocation)
    }

    /// Waits for a message at `address`, skipping others; fails the test on timeout.
    func expect(_ address: String, timeout: Double = 5, sourceLocation: SourceLocation = #_sourceLocation) -> OSCMessage? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, let message = receive(timeout: deadline.timeIntervalSinceNow) {
            if message.address == address { return message }
        }
        Issue.record("no \(address) reply within \(timeout) s", sourceLocation: sourceLocation)
        return nil
    }

    /// Sends a message that must be refused; returns the reason given.
    func expectError(_ address: String, _ arguments: [OSCArgument] = [], sourceLocation: SourceLocation = #_sourceLocation) -> String {
        guard let error = request(address, arguments, reply: "/error", sourceLocation: sourceLocation) else { return "" }
        #expect(error.arguments.first == .string(address), "error names \(error.arguments.first.map(\.description) ?? "nothing")", sourceLocation: sourceLocation)
        if case let .string(reason) = error.arguments.last { return reason }
        return ""
    }

    /// The documented /status fields, in order.
    static let statusFieldNames = [
        "model", "sample_rate", "block_size", "fft", "hop", "cpu_load", "peak_load", "xruns", "received", "rejected",
        "recording", "recording_path", "recorded_frames", "playing", "walking", "output", "dropped_commands", "dropped_record_frames",
        "granular", "granular_frame", "autocode", "autocode_input", "recording_end_reason", "nonfinite",
        "limiter_db", "limited_samples", "makeup_db", "voices", "late", "scheduled",
    ]

    /// /status as a dictionary of its documented fields.
    func status() -> [String: OSCArgument] {
        guard let reply = request("/status", reply: "/status") else { return [:] }
        return Dictionary(uniqueKeysWithValues: zip(Self.statusFieldNames, reply.arguments))
    }

    /// Waits for the process to exit; returns its status, or nil if it did not exit in time.
    func waitForExit(timeout: Double = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    var standardOutput: String { String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
}

extension OSCArgument {
    var float: Float? { number.map(Float.init) }
    var int: Int? { number.map { Int($0) } }
}

func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "autocoder-server-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A scratch copy of the bundled model (its .dec, .enc, .mm and .minmax) in
/// `directory`, under `name`: the anchor, beside which the server writes
/// what it makes of the model (ANCHOR.snapshots.json, a new training).
func scratchModel(in directory: String, named name: String = "drone.wav") throws -> String {
    let anchor = directory + "/" + name
    for suffix in [".dec", ".enc", ".mm", ".minmax"] {
        try FileManager.default.copyItem(atPath: Binaries.bundledModel + suffix, toPath: anchor + suffix)
    }
    return anchor
}
