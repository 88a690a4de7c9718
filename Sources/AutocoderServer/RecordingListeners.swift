// The clients told when a take ends by itself (a write failed: the disk is
// full or gone): every reply destination that has sent /record/start,
// /record/stop or /status, the most recent `capacity` of them. The client
// that started the take is among them, and so is a second controller that
// watches /status. They also hear when the sound output is lost or comes
// back. Network thread only.

import AutocoderOSC

struct RecordingListeners {
    static let capacity = 16
    /// Most recent last.
    private(set) var destinations: [SocketAddress] = []

    mutating func add(_ destination: SocketAddress) {
        let key = destination.description
        destinations.removeAll { $0.description == key }
        destinations.append(destination)
        if destinations.count > Self.capacity { destinations.removeFirst() }
    }
}
