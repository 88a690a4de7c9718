// Decoded frame → magnitudes of the running FFT's bins: the one step of
// synthesis where what a model's values stand for matters. Mel bands go
// through the sparse mel inversion at the running FFT size and rate (a `.dec`,
// and a `.fft.dec` whose matrix is the standard one, played from its mel
// values); linear bins are mapped onto the running bins by frequency.
//
// Built off the audio thread with its kernel or voice; `magnitudes` neither
// allocates nor locks.

import AutocoderDSP
import AutocoderModel

enum SpectrumMap: Sendable {
    case mel(MelFilterbank)
    case linear(LinearBinMap)

    init(layout: FrameLayout, fftSize: Int, sampleRate: Double) {
        switch layout {
        case let .mel(bands):
            self = .mel(MelFilterbank(filterCount: bands, fftSize: fftSize, sampleRate: sampleRate))
        case let .linear(bins):
            self = .linear(LinearBinMap(sourceCount: bins, sourceSpacing: FrameLayout.linearBinFrequency(1, bins: bins),
                                        fftSize: fftSize, sampleRate: sampleRate))
        }
    }

    /// magnitude[0 ..< fftSize/2] from the frame's values. Real-time safe.
    @inline(__always)
    func magnitudes(of frame: UnsafePointer<Float>, into magnitude: UnsafeMutablePointer<Float>) {
        switch self {
        case let .mel(filterbank): filterbank.melToSpectrum(frame, magnitude)
        case let .linear(map): map.map(frame, magnitude)
        }
    }
}
