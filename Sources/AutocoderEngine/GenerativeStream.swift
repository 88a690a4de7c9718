// One stream of the generative voice: a kernel (FFT size, hop, band count, the
// overlap-add state), the model it plays, and how far into the current hop
// playback is. The engine plays one stream, and during a reshape a second one
// that takes over from it (see `Handover`).
//
// Render thread only; the stream holds one retain on its kernel and its voice,
// which go back to the control thread through the engine's retire queue.

struct GenerativeStream {
    var kernel: Unmanaged<SynthesisKernel>
    var voice: Unmanaged<LoadedModel>
    /// Samples of the current hop already played.
    var position = 0
    /// Whether a hop has been synthesised yet.
    var started = false

    init(kernel: Unmanaged<SynthesisKernel>, voice: Unmanaged<LoadedModel>) {
        self.kernel = kernel
        self.voice = voice
    }

    /// Releases the kernel and voice (control thread, or before the engine owns the stream).
    func release() {
        kernel.release()
        voice.release()
    }
}
