// Decoded frame → magnitudes of the running FFT's bins: the one step of
// synthesis where what a model's values stand for matters. Mel bands stand at
// their triangles' centres (a `.dec`, and a `.fft.dec` whose matrix is the
// standard one, played from its mel values); linear bins at their own
// frequencies. Either way the running bins take the frame's power by
// frequency (`SpectrumResampler`), so the level is the same at any FFT size
// and rate.
//
// Built off the audio thread with its kernel or voice; `magnitudes` neither
// allocates nor locks.

import AutocoderDSP
import AutocoderModel

struct SpectrumMap: Sendable {
    private let resampler: SpectrumResampler

    init(layout: FrameLayout, fftSize: Int, sampleRate: Double) {
        switch layout {
        case let .mel(bands):
            resampler = .mel(bands: bands, fftSize: fftSize, sampleRate: sampleRate)
        case let .linear(bins):
            resampler = .linear(bins: bins, spacing: FrameLayout.linearBinFrequency(1, bins: bins), fftSize: fftSize, sampleRate: sampleRate)
        }
    }

    /// magnitude[0 ..< fftSize/2] from the frame's values. Real-time safe.
    @inline(__always)
    func magnitudes(of frame: UnsafePointer<Float>, into magnitude: UnsafeMutablePointer<Float>) {
        resampler.magnitudes(of: frame, into: magnitude)
    }
}
