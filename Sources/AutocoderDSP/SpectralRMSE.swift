// How close a rendering's spectrogram is to its source's: the RMSE between
// the two mel spectrograms across time (the metric of the spectrogram
// autoencoder work the project grew from, which compares "the frequency
// spectra across time" rather than samples, so phase does not count).
//
// Spectrograms: the training analysis (MelAnalysis: 16384-sample windows every
// 1024, 512 mel bands, unnormalised), both scaled to [0,1] by the source's
// minimum and maximum — the units the model learns in (`analyze`'s scaling).
// The rendering's level is set by its make-up gain and limiter, not by what it
// plays, so it is first brought to the source's by one gain over the whole
// file (equal mean mel value); its changes from frame to frame are untouched.
// RMSE = sqrt(mean over frames and bands of (source − rendering)²), over the
// frames both have.
//
// The baseline: every frame replaced by the source's mean frame — what a
// rendering that gets the average colour right and follows nothing scores.
//
// `perFrame` is the same measure frame by frame, for frames that are already
// on one [0,1] scale (a model's reconstructions in its own units, which carry
// their level, so no gain): per frame sqrt(mean over bands of (source −
// reconstruction)²), and the mean frame's. The mean of their squares is the
// RMSE above.
//
// Any thread; allocates (for measurement, not for the audio thread).

public enum SpectralRMSE {
    public struct Result: Sendable {
        /// The rendering against the source.
        public let rendering: Double
        /// The source's mean frame, repeated, against the source.
        public let meanFrame: Double
        public let frames: Int
    }

    /// Both sounds mono at 44.1 kHz; nil when either is too short for one frame.
    public static func compare(source: [Float], rendering: [Float]) -> Result? {
        let frames = min(MelAnalysis.frameCount(sampleCount: source.count), MelAnalysis.frameCount(sampleCount: rendering.count))
        guard frames > 0 else { return nil }
        let analysis = MelAnalysis()
        let bands = analysis.filterbank.filterCount
        let s = analysis.frames(of: source).prefix(frames * bands).map(Double.init)
        let r = analysis.frames(of: rendering).prefix(frames * bands).map(Double.init)
        let low = s.min()!, high = s.max()!
        let span = high > low ? high - low : 1
        let rSum = r.reduce(0, +)
        let gain = rSum > 0 ? s.reduce(0, +) / rSum : 1
        var mean = [Double](repeating: 0, count: bands)
        for i in s.indices { mean[i % bands] += s[i] / Double(frames) }
        var renderingError = 0.0, meanError = 0.0
        for i in s.indices {
            let source = (s[i] - low) / span
            let d = source - (r[i] * gain - low) / span
            let m = source - (mean[i % bands] - low) / span
            renderingError += d * d
            meanError += m * m
        }
        let count = Double(s.count)
        return Result(rendering: (renderingError / count).squareRoot(), meanFrame: (meanError / count).squareRoot(), frames: frames)
    }

    /// Per frame, sqrt(mean over bands of (source − reconstruction)²) and the
    /// same for the source's mean frame; `source` and `reconstruction` hold
    /// frames of `bands` values row after row, on the same scale.
    public static func perFrame(source: [Float], reconstruction: [Float], bands: Int) -> (reconstruction: [Double], meanFrame: [Double]) {
        precondition(bands > 0 && source.count == reconstruction.count && source.count % bands == 0, "frames of \(bands) values, as many of each")
        let frames = source.count / bands
        guard frames > 0 else { return ([], []) }
        var mean = [Double](repeating: 0, count: bands)
        for i in source.indices { mean[i % bands] += Double(source[i]) }
        for j in 0..<bands { mean[j] /= Double(frames) }
        var errors = [Double](repeating: 0, count: frames), baseline = [Double](repeating: 0, count: frames)
        for f in 0..<frames {
            var d2 = 0.0, m2 = 0.0
            for j in 0..<bands {
                let s = Double(source[f * bands + j])
                let d = s - Double(reconstruction[f * bands + j]), m = s - mean[j]
                d2 += d * d
                m2 += m * m
            }
            errors[f] = (d2 / Double(bands)).squareRoot()
            baseline[f] = (m2 / Double(bands)).squareRoot()
        }
        return (errors, baseline)
    }
}
