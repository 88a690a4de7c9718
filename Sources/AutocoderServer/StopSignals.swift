// SIGINT and SIGTERM as stop requests, never lost.
//
// Call `watch` first thing, before any other thread exists: it blocks both
// signals in the calling thread, so every thread started afterwards inherits
// the block, and a dedicated thread takes them with sigwait. A signal that
// arrives while the server is still starting stays pending until then.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum StopSignals {
    public static let watched: [Int32] = [SIGINT, SIGTERM]

    /// Blocks SIGINT and SIGTERM and calls `handler` on a background thread for each one received.
    public static func watch(_ handler: @escaping @Sendable (Int32) -> Void) {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in watched { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let blocked = set
        let thread = Thread {
            var set = blocked
            while true {
                var received: Int32 = 0
                if sigwait(&set, &received) == 0 { handler(received) }
            }
        }
        thread.name = "autocoder signals"
        thread.start()
    }
}
