// The fields of the /status reply, declared once (name, type, meaning, value):
// the reply, the README's field table and the address table's /status row
// all come from this list. Values are read on the network thread.

import AutocoderAudio
import AutocoderOSC

struct StatusField: Sendable {
    let name: String
    /// The OSC type tag of its value.
    let tag: Character
    /// What the field says, for the README.
    let summary: String
    let value: @Sendable (AutocoderServer, StatusSnapshot) -> OSCArgument
}

/// What one /status reply reads once (taking the peak load resets it).
struct StatusSnapshot {
    let peakLoad: Double
    let recording: Recorder.State
}
