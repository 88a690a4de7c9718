// The address space as OSCQuery serves it, handed from the network thread to
// the HTTP thread: the HTTP thread reads the latest snapshot, asking the
// network thread (through the wake signal) for a fresh one when it is older
// than `freshness` and waiting at most `patience` for it; the network thread
// publishes when asked. So a controller sees current values (the latent as it
// walks, the voices that exist now) and nothing is built while nobody asks.

import AutocoderOSCQuery
import Foundation

final class AddressSpaceSnapshot: @unchecked Sendable {
    /// A snapshot younger than this is served as it is.
    static let freshness = 0.1
    /// How long a request waits for a fresh snapshot before taking the last one.
    static let patience = 0.5

    private let condition = NSCondition()
    private var methods: [OSCQueryMethod] = []
    private var published = Date.distantPast
    private var wanted = false
    private let wake: WakeSignal

    init(wake: WakeSignal) { self.wake = wake }

    /// The address space now, or within `patience` (HTTP thread).
    func read() -> [OSCQueryMethod] {
        condition.lock()
        defer { condition.unlock() }
        if -published.timeIntervalSinceNow > Self.freshness {
            let asked = Date()
            wanted = true
            wake.signal()
            let deadline = asked.addingTimeInterval(Self.patience)
            while published < asked, condition.wait(until: deadline) {}
        }
        return methods
    }

    /// Whether a request waits for a snapshot (network thread).
    var isWanted: Bool {
        condition.lock()
        defer { condition.unlock() }
        return wanted
    }

    /// Marks the snapshot out of date: the next request waits for a new one
    /// (network thread, after anything that changed the address space or a value).
    func invalidate() {
        condition.lock()
        published = .distantPast
        condition.unlock()
    }

    /// Hands a new snapshot to the HTTP thread (network thread).
    func publish(_ methods: [OSCQueryMethod]) {
        condition.lock()
        self.methods = methods
        published = Date()
        wanted = false
        condition.broadcast()
        condition.unlock()
    }
}
