// Objects the render thread has let go of, on their way back to the control
// thread to be freed there (never on the audio thread).
//
// Threading: the render thread calls `retire`; the control thread drains the
// queue through the engine's `collectRetired`.

enum RetiredObject {
    case voice(Unmanaged<LoadedModel>)
    case kernel(Unmanaged<SynthesisKernel>)
    case granular(Unmanaged<GranularVoice>)
    case autocode(Unmanaged<AutocodeVoice>)
    case generative(Unmanaged<GenerativeVoice>)
    case decodeBuffers(Unmanaged<DecodeBuffers>)
    case soundLoop(Unmanaged<SoundLoop>)

    /// Control thread.
    func release() {
        switch self {
        case let .voice(v): v.release()
        case let .kernel(k): k.release()
        case let .granular(g): g.release()
        case let .autocode(a): a.release()
        case let .generative(g): g.release()   // its streams' kernels and models go with it
        case let .decodeBuffers(b): b.release()
        case let .soundLoop(l): l.release()
        }
    }
}

final class Retirement: @unchecked Sendable {
    private let queue = SPSCQueue<RetiredObject>(capacity: 4096)

    /// Render thread. The control thread drains this queue often; if it is ever
    /// full the object leaks rather than being freed here.
    @inline(__always)
    func retire(_ object: RetiredObject) { _ = queue.push(object) }

    /// Control thread.
    func collect() {
        while let object = queue.pop() { object.release() }
    }
}
