// A JACK server of the test's own (dummy backend, its own name), so that a
// test may kill it and start it again without touching the default server
// other tests share. Processes given `environment` talk to it.
//
// JACK keeps a machine-wide table of eight servers in shared memory, and a
// server that dies by SIGKILL keeps its entry until a server of the same name
// starts again. So each test uses a fixed name (a crashed run's entry is taken
// over by the next run), and the server is ended with SIGTERM, which frees it.

import Foundation
import Testing

final class PrivateJackServer {
    static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/jackd") }

    let name: String
    private let extraOptions: [String]
    private let logPath = NSTemporaryDirectory() + "autocoder-jackd-\(UUID().uuidString).log"
    private var process: Process?

    /// JACK_DEFAULT_SERVER for processes that should use this server.
    var environment: [String: String] { ["JACK_DEFAULT_SERVER": name] }

    /// Starts `jackd -n autocoder-test-NAME [options] --no-realtime -d dummy -r 44100 -p 256` and waits until it answers.
    init(_ name: String, options: [String] = []) throws {
        self.name = "autocoder-test-" + name
        extraOptions = options
        try start()
    }

    deinit {
        stop(signal: SIGTERM)
        try? FileManager.default.removeItem(atPath: logPath)
    }

    func start() throws {
        let jackd = Process()
        jackd.executableURL = URL(fileURLWithPath: "/usr/bin/jackd")
        jackd.arguments = ["-n", name] + extraOptions + ["--no-realtime", "-d", "dummy", "-r", "44100", "-p", "256"]
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        jackd.standardOutput = log
        jackd.standardError = log
        try jackd.run()
        process = jackd
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if run("jack_lsp").status == 0 { return }
            guard jackd.isRunning else { break }
            usleep(100_000)
        }
        throw HarnessError(description: "jackd -n \(name) did not start: \((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
    }

    /// The running jackd's process id (0 when stopped).
    var pid: pid_t { process?.processIdentifier ?? 0 }

    /// Ends the server (SIGKILL: as if it crashed; SIGTERM: cleanly, or by
    /// SIGKILL when it has not ended within 5 s) and waits for it.
    func stop(signal: Int32) {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGCONT)
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        self.process = nil
    }

    /// Runs one of jackd2's tools (jack_lsp, jack_rec, …) against this server.
    @discardableResult
    func run(_ tool: String, _ arguments: [String] = []) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/" + tool)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return (-1, "") }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    /// The ports `jack_lsp` lists, one full name each.
    var ports: [String] {
        run("jack_lsp").output.split(separator: "\n").map(String.init)
    }
}
