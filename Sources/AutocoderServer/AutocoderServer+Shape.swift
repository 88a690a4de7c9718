// The synthesis shape (/fft, /hop) and what follows a new model or shape.
// Network thread only.

import AutocoderEngine
import AutocoderModel

extension AutocoderServer {
    /// After a new model or FFT size: every autocode voice, or the input on its
    /// way to it, is rebuilt for it.
    func followModelChange() {
        for load in autocodeLoads.values { load.followModelChange() }
    }

    func reshape(fftSize: Int, hop: Int) throws {
        let shape: SynthesisShape
        switch SynthesisShape.validated(fftSize: fftSize, hop: hop) {
        case let .success(valid): shape = valid
        case let .failure(error): throw Rejection(error.reason)
        }
        requestedShape = shape
        kernelShape = shape.scaled(toSampleRate: engine.sampleRate)
        engine.reshape(kernelShape)
        followModelChange()
    }
}
