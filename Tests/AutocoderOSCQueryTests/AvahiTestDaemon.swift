// An Avahi daemon of the tests' own: a D-Bus system bus on a socket in a
// temporary folder (this process and the tools reach it through
// DBUS_SYSTEM_BUS_ADDRESS) and avahi-daemon in a network namespace of its own
// with only the loopback interface, so that nothing announced leaves the
// machine. avahi-browse resolves what it announces.
//
// One test thread; the daemons are child processes (ChildProcess), ended by
// `stop()`; the tools that run to their end are Foundation Processes.

import Foundation
import XCTest

final class AvahiTestDaemon {
    /// One line of `avahi-browse -r -p`: a resolved service.
    struct Resolved: Equatable {
        var name: String
        var type: String
        var address: String
        var port: Int
    }

    /// One per test process: libdbus reads DBUS_SYSTEM_BUS_ADDRESS once, at its first connection, so
    /// every test of the process reaches its bus (whichever test starts it) at this one address.
    static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("autocoder-avahi-\(getpid())")
    static let busAddress = "unix:path=" + folder.appendingPathComponent("bus").path

    var folder: URL { Self.folder }
    var busAddress: String { Self.busAddress }
    private var bus: ChildProcess?
    private var daemon: ChildProcess?

    /// Skips (XCTSkip with the reason) where the machine lacks the tools or the rights.
    static func requireTools(_ tools: [String]) throws {
        let missing = tools.filter { tool in
            !["/usr/sbin", "/usr/bin", "/sbin", "/bin"].contains { FileManager.default.isExecutableFile(atPath: $0 + "/" + tool) }
        }
        if !missing.isEmpty {
            throw XCTSkip("not installed: \(missing.joined(separator: ", ")) (scripts/test installs avahi-daemon, avahi-utils, dbus, iproute2)")
        }
    }

    init() throws {
        try Self.requireTools(["dbus-daemon", "dbus-send", "setpriv"])
        try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
    }

    deinit {
        stop()
    }

    /// The bus alone, with no Avahi on it.
    func startBus() throws {
        let config = folder.appendingPathComponent("bus.conf")
        try """
        <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
        <busconfig>
          <type>system</type>
          <listen>\(busAddress)</listen>
          <auth>EXTERNAL</auth>
          <policy context="default">
            <allow user="*"/>
            <allow own="*"/>
            <allow send_destination="*"/>
            <allow receive_sender="*"/>
          </policy>
        </busconfig>
        """.write(to: config, atomically: true, encoding: .utf8)
        bus = try launch("dbus-daemon", ["--config-file=" + config.path, "--nofork", "--nosyslog"], log: "bus.log")
        try wait("the test bus to listen", timeout: 10) { [self] in
            run("dbus-send", ["--system", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"]).status == 0
        }
    }

    /// avahi-daemon on the bus, in its own network namespace; skips where that cannot be had.
    func startDaemon() throws {
        try Self.requireTools(["avahi-daemon", "avahi-browse", "avahi-publish", "unshare", "ip", "setpriv"])
        guard getuid() == 0 else { throw XCTSkip("a network namespace for the test's avahi-daemon needs root") }
        // avahi-daemon keeps its pid file at a fixed place: a system daemon (or another test's) would clash.
        if run("avahi-daemon", ["--check"]).status == 0 {
            throw XCTSkip("an avahi-daemon already runs on this machine; the test runs its own on a private bus only")
        }
        let config = folder.appendingPathComponent("avahi-daemon.conf")
        try """
        [server]
        use-ipv4=yes
        use-ipv6=no
        allow-interfaces=lo
        [wide-area]
        enable-wide-area=no
        [publish]
        publish-hinfo=no
        publish-workstation=no
        """.write(to: config, atomically: true, encoding: .utf8)
        try? FileManager.default.createDirectory(atPath: "/run/avahi-daemon", withIntermediateDirectories: true)
        // setpriv, unshare and sh exec: the process is avahi-daemon itself.
        let command = "ip link set lo up && exec avahi-daemon --no-drop-root --no-chroot --no-rlimits --no-proc-title -f '\(config.path)'"
        let daemon = try launch("unshare", ["--net", "sh", "-c", command], log: "avahi-daemon.log")
        self.daemon = daemon
        try wait("avahi-daemon to run", timeout: 15) { [self] in
            guard daemon.isRunning else { return true }
            let state = run("dbus-send", [
                "--system", "--print-reply", "--dest=org.freedesktop.Avahi", "/", "org.freedesktop.Avahi.Server.GetState",
            ])
            return state.output.contains("int32 2")  // AVAHI_SERVER_RUNNING
        }
        if !daemon.isRunning {
            self.daemon = nil
            throw XCTSkip("avahi-daemon could not run here: \(log("avahi-daemon.log").suffix(400))")
        }
    }

    func stopDaemon() {
        daemon?.terminate()
        daemon = nil
    }

    func stop() {
        stopDaemon()
        bus?.terminate()
        bus = nil
        try? FileManager.default.removeItem(at: folder)
    }

    /// What the daemon resolves of `type` now (`avahi-browse --resolve --terminate --parsable`).
    func browse(_ type: String) -> [Resolved] {
        run("avahi-browse", ["--resolve", "--terminate", "--parsable", "--no-db-lookup", type]).output
            .split(separator: "\n")
            .compactMap { line in
                // =;interface;protocol;name;type;domain;host;address;port;txt
                let fields = line.split(separator: ";", omittingEmptySubsequences: false)
                guard fields.count >= 9, fields[0] == "=", let port = Int(fields[8]) else { return nil }
                return Resolved(name: Self.unescape(fields[3]), type: String(fields[4]), address: String(fields[7]), port: port)
            }
    }

    /// Starts `tool` on the test bus, its output to `log` in the folder. It is sent SIGTERM should this
    /// process die first (a crashed test leaves no daemon behind).
    func launch(_ tool: String, _ arguments: [String], log: String) throws -> ChildProcess {
        try ChildProcess(
            ["setpriv", "--pdeathsig", "TERM", "--", tool] + arguments,
            environment: environment, log: folder.appendingPathComponent(log).path
        )
    }

    func log(_ name: String) -> String {
        (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    /// Runs `tool` on the test bus to its end.
    @discardableResult
    func run(_ tool: String, _ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return (-1, "") }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    private var environment: [String: String] {
        ProcessInfo.processInfo.environment.merging(["DBUS_SYSTEM_BUS_ADDRESS": busAddress]) { $1 }
    }

    /// Polls `condition` every 50 ms; skips the test after `timeout` seconds (a daemon that does not come up).
    private func wait(_ what: String, timeout: Double, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            guard Date() < deadline else { throw XCTSkip("timed out waiting for \(what)") }
            usleep(50_000)
        }
    }

    /// avahi-browse's escapes: `\DDD` (a decimal byte, e.g. `\032` for a space) and `\c` for `c`.
    static func unescape(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "\\"), !utf8.isEmpty else {
                bytes.append(byte)
                continue
            }
            let digits = utf8.prefix(3)
            if digits.count == 3, digits.allSatisfy({ (48...57).contains($0) }), let value = UInt8(String(decoding: digits, as: UTF8.self)) {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(utf8.removeFirst())
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
