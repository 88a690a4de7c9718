// A reply that waits until the engine has taken every command queued before
// it and the loads asked for before it are applied: `/done s:ADDRESS` of a
// slow command, `/synced i:ID`. Network thread only.

import AutocoderOSC

struct Completion {
    let message: OSCMessage
    let destination: SocketAddress
    /// The engine's command mark when it was made (`SynthesisEngine.hasTaken`).
    let commandMark: Int
    /// Loads submitted before it (nil: it does not wait for loads).
    let loadMark: Int?
}
