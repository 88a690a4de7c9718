// A pipe that wakes the network thread out of its wait on the socket.
//
// The load worker calls `signal` when it has finished a job; the network
// thread polls `descriptor` together with the socket and calls `drain` before
// it applies what finished. `signal` may be called from any thread and never
// blocks (the pipe is non-blocking and one pending byte is enough).

import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class WakeSignal: @unchecked Sendable {
    /// Readable while a signal is pending.
    let descriptor: Int32
    private let writeEnd: Int32

    init() throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            throw ServerConfigurationError(description: "cannot create the load worker's wake-up pipe: \(String(cString: strerror(errno)))")
        }
        for end in ends { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
        descriptor = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(descriptor)
        close(writeEnd)
    }

    func signal() {
        var byte: UInt8 = 1
        // A full pipe already holds a pending wake-up; nothing is lost.
        _ = write(writeEnd, &byte, 1)
    }

    func drain() {
        var bytes = [UInt8](repeating: 0, count: 64)
        while read(descriptor, &bytes, bytes.count) > 0 {}
    }
}
