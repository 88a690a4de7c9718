// A process started as a terminal starts one: in a process group of its own,
// so a test can signal the whole group (kill(-pgid, SIGINT)) as Ctrl-C does.
// Standard output and error go to files (a pipe nobody drains would stall it),
// and the test reaps it itself, so it gets the exit status and resource usage.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class SpawnedProcess {
    public let pid: pid_t
    public let outputPath: String
    public let errorsPath: String
    /// Set once reaped: how it ended.
    public private(set) var ending: Ending?
    /// The child's own peak resident memory (VmHWM), as last seen while `wait`
    /// polled it. Not wait4's ru_maxrss: posix_spawn starts the child in the
    /// parent's address space (vfork-style), and Linux carries that address
    /// space's peak over the exec, so ru_maxrss reports the test runner's size
    /// whenever it is the larger.
    public private(set) var maximumResidentKilobytes = 0

    public enum Ending: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        public var description: String {
            switch self {
            case let .exited(status): "exit \(status)"
            case let .signalled(signal): "killed by signal \(signal)"
            }
        }
    }

    /// Starts `executable arguments…` in `directory` (default: the current one)
    /// in a new process group whose id is its pid.
    public init(_ executable: String, _ arguments: [String], directory: String? = nil) throws {
        let scratch = NSTemporaryDirectory() + "autocoder-spawned-" + UUID().uuidString
        outputPath = scratch + ".out"
        errorsPath = scratch + ".err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorsPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A shell gives its commands no blocked signals and default actions; the
        // test runner's threads may block SIGINT and SIGTERM, and a child would
        // inherit that mask and hide what a real start-up does with them.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var none = sigset_t(), watched = sigset_t()
        sigemptyset(&none)
        sigemptyset(&watched)
        for signal in [SIGINT, SIGTERM] { sigaddset(&watched, signal) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &watched)
        // posix_spawn has no working-directory action in this glibc's API: cd in a shell, then exec.
        let command = directory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0, executable] } ?? [executable]
        let argv = (command + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, command[0], &actions, &attributes, argv, environ)
        guard result == 0 else { throw SpawnError(description: "posix_spawn \(executable): \(String(cString: strerror(result)))") }
        self.pid = pid
    }

    deinit {
        if ending == nil {
            kill(-pid, SIGKILL)
            _ = wait(timeout: 10)
        }
        unlink(outputPath)
        unlink(errorsPath)
    }

    /// Sends `signal` to the process group, as a terminal does for Ctrl-C.
    public func signalGroup(_ signal: Int32) { kill(-pid, signal) }

    /// Waits up to `timeout` seconds for the process to end; nil if it did not.
    @discardableResult
    public func wait(timeout: Double) -> Ending? {
        if let ending { return ending }
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            maximumResidentKilobytes = max(maximumResidentKilobytes, peakResidentKilobytes() ?? 0)
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let signal = status & 0x7F
                ending = signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
                return ending
            }
            usleep(5_000)
        } while Date() < deadline
        return nil
    }

    /// VmHWM from /proc/PID/status, while the process is alive.
    private func peakResidentKilobytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }

    public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    public var errors: String { (try? String(contentsOfFile: errorsPath, encoding: .utf8)) ?? "" }

    /// A line of /proc/PID/status (e.g. "SigCgt"), as its hexadecimal mask.
    public static func statusMask(_ field: String, path: String) -> UInt64? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return nil }
        return UInt64(line.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces), radix: 16)
    }

    /// Bit of `signal` in a /proc signal mask.
    public static func bit(_ signal: Int32) -> UInt64 { 1 << UInt64(signal - 1) }
}

public struct SpawnError: Error, CustomStringConvertible {
    public let description: String
}
