// A running sound output: a JACK client, a PortAudio stream or the null clock.
//
// Threading: everything here is called from a control thread (the server's
// output supervisor, or whoever owns the output), except that `failure` may be
// read from any thread. Each output's own callback or thread is the engine's
// render thread while it runs.

import AutocoderEngine

public protocol AudioOutput: AnyObject {
    /// What the user is told, e.g. "JACK: autocoder, 44100 Hz, block 256, …".
    var description: String { get }
    var kind: AudioOutputKind { get }
    var sampleRate: Double { get }
    /// Frames per callback now (JACK may change it while running).
    var blockSize: Int { get }
    /// Input channels opened with the output (0: output only).
    var inputChannels: Int { get }
    /// Starts rendering `engine`, whose channel count must match the output's.
    func start(_ engine: SynthesisEngine) throws
    /// Why the output stopped playing by itself (its server or device went
    /// away), or nil while it plays.
    var failure: String? { get }
    /// Shuts the callback out of the engine so that another output may render
    /// it. False while the callback is inside render (ask again); true once it
    /// never will be again. Never waits.
    func relinquishEngine() -> Bool
    /// Stops and closes the output. Idempotent.
    func stop()
}
