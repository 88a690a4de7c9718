// A reply that waits until the engine has taken every command queued before
// it and the loads asked for before it are applied: `/done s:ADDRESS` of a
// slow command, `/synced i:ID`. Replies go out in the order of the requests
// they answer (`sequence`), so the `/done` of a load asked for before a
// `/sync` comes before its `/synced`, though it is made only when the load
// is applied. Network thread only.

import AutocoderOSC

struct Completion {
    let message: OSCMessage
    let destination: SocketAddress
    /// The engine's command mark when it was made (`SynthesisEngine.hasTaken`).
    let commandMark: Int
    /// Loads submitted before it (nil: it does not wait for loads).
    let loadMark: Int?
    /// The request it answers, in the order requests came (`AutocoderServer.takeSequence`).
    let sequence: Int
}
