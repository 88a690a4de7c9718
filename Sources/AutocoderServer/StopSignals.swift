// SIGINT and SIGTERM as requests, never as a sudden death.
//
// Why a handler and not sigwait alone: OpenBLAS starts its worker threads in
// its library constructor, before main, with nothing blocked. A process-wide
// signal may be delivered to any thread that does not block it, so blocking it
// in main cannot stop it from reaching one of those threads, where the default
// action would end the process. Instead `watch` installs a handler for the
// whole process that only records the signal: it writes the signal number to a
// pipe (write(2) is async-signal-safe), whichever thread it runs on. A watcher
// thread reads the pipe and calls the Swift handler there, as ordinary code.
//
// Threads: call `watch` once, from the main thread, before the program starts
// any thread of its own. It blocks both signals in the caller, so every thread
// started afterwards (PortAudio's, JACK's, the recorder's, the render thread)
// inherits the block and is never interrupted by them; only the watcher
// unblocks them, so a signal always has a thread to go to even when no other
// thread could take it. The handler given to `watch` runs on the watcher thread.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum StopSignals {
    public static let watched: [Int32] = [SIGINT, SIGTERM]

    /// The name the watcher thread carries (in /proc/PID/task/*/comm).
    public static let watcherName = "stop-signals"

    /// Catches SIGINT and SIGTERM for the whole process and calls `handler` on
    /// the watcher thread for each one received, in order.
    public static func watch(_ handler: @escaping @Sendable (Int32) -> Void) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { fatalError("stop signals: no pipe: \(String(cString: strerror(errno)))") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        // A full pipe must never block the handler; a signal dropped then is one
        // of many already queued.
        _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
        signalPipeWriteEnd = ends[1]

        var set = sigset_t()
        sigemptyset(&set)
        for signal in watched { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)

        var action = sigaction()
        action.__sigaction_handler.sa_handler = recordSignal
        action.sa_flags = SA_RESTART
        sigemptyset(&action.sa_mask)
        for signal in watched { sigaction(signal, &action, nil) }

        let readEnd = ends[0]
        let blocked = set
        let thread = Thread {
            nameThisThread(watcherName)
            var unblock = blocked
            pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
            var byte: UInt8 = 0
            while true {
                let count = read(readEnd, &byte, 1)
                if count == 1 { handler(Int32(byte)) } else if count == 0 || errno != EINTR { return }
            }
        }
        thread.start()
    }
}

/// Names the calling thread in /proc (pthread_setname_np is not visible to Swift here).
private func nameThisThread(_ name: String) {
    let file = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard file >= 0 else { return }
    _ = name.utf8CString.withUnsafeBufferPointer { write(file, $0.baseAddress, min($0.count - 1, 15)) }
    close(file)
}

/// The pipe's write end, set before the handler is installed and never changed
/// after, so the handler reads a settled value.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// The process-wide handler: async-signal-safe, it only writes the signal
/// number to the pipe (keeping errno as the interrupted code had it).
private let recordSignal: @convention(c) (Int32) -> Void = { signal in
    let savedErrno = errno
    var byte = UInt8(truncatingIfNeeded: signal)
    _ = write(signalPipeWriteEnd, &byte, 1)
    errno = savedErrno
}
