// A daemon the tests start and end themselves, with posix_spawn and waitpid.
// Foundation's Process takes a child for gone when the child closes the
// descriptors it inherited (as avahi-daemon does at startup), and then blocks
// its one monitoring thread waiting for it, stalling every other Process.
//
// One test thread.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class ChildProcess {
    let pid: pid_t
    private var exited = false

    /// Runs `arguments` (looked up in PATH) with `environment`, stdout and stderr appended to `log`.
    init(_ arguments: [String], environment: [String: String], log: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, arguments[0], &actions, nil, argv, envp)
        guard result == 0 else { throw HTTPTestClient.Failure(description: "posix_spawnp \(arguments[0]): \(result)") }
        self.pid = pid
    }

    deinit {
        terminate()
    }

    var isRunning: Bool {
        guard !exited else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exited = true }
        return !exited
    }

    /// SIGTERM, and waits for it to end.
    func terminate() {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        exited = true
    }
}
