// `autocoder report ANCHOR`: one picture of a model against its training
// sound, ANCHOR.report.png (1600 × 1000, white). A title line (the sound, the
// architecture, frames, seconds, the decoder, the date) and the figures; the
// training loss per epoch (from ANCHOR.training.json, when there is one); the
// sound's mel spectrogram, its reconstruction (every frame encoded and decoded)
// and their difference; the reconstruction's spectral RMSE per frame against
// the mean-frame baseline; and where the training frames fall in the latent
// space. See Reconstruction for what is measured.
//
// Any thread but the audio thread (reads files, allocates, runs batched
// inference); reports may be made on several threads at once. The PNG is
// encoded in memory and written atomically beside its final name.

import AutocoderAudio
import AutocoderDSP
import AutocoderModel
import Foundation

public enum ModelReport {
    /// What a report found, beside the picture.
    public struct Summary: Sendable {
        /// The PNG written.
        public let path: String
        /// Mean over the frames of the reconstruction's spectral RMSE, and of the mean frame's.
        public let meanRMSE: Double
        public let baselineRMSE: Double
        /// sqrt(mean over frames and bands of the squared difference), as `render --report` pools it.
        public let pooledRMSE: Double
        public let pooledBaselineRMSE: Double
        public let frames: Int
        /// Seconds of the training sound.
        public let seconds: Double
        /// Whether the loss panel drew a history (else it says there is none).
        public let lossPanel: Bool
        /// The decoder file, and how its output became mel values.
        public let decoder: String
        public let decoderPath: String
        /// What the reader should know (a loss history that may be another model's).
        public let notes: [String]
    }

    public static let width = 1600
    public static let height = 1000

    /// ANCHOR.report.png.
    public static func path(anchor: String) -> String { anchor + ".report.png" }

    /// Loads the bundle at `anchor` (a decoder, `.dec` or `.fft.dec`, and the
    /// encoder, which is required), analyses the sound at ANCHOR, and writes the
    /// report to `out` (default ANCHOR.report.png). `history` draws the loss panel.
    @discardableResult
    public static func write(anchor: String, history: TrainingHistory?, out: String? = nil, date: Date = Date()) throws -> Summary {
        let anchor = ModelBundle.anchor(from: anchor)
        let encoderPath = anchor + ModelBundle.Part.encoder.rawValue
        guard FileEntry.exists(encoderPath) else {
            throw ModelFileError(path: encoderPath, problem: "no such file: the report encodes the training sound with the model's encoder")
        }
        let bundle = try ModelBundle(anchor: anchor, parts: ModelBundle.parts(of: anchor, encoder: .required))
        guard FileEntry.exists(anchor) else {
            throw ModelFileError(path: anchor, problem: "no such file: the report analyses the model's training sound, which is its anchor")
        }
        let samples = try AudioLoader.loadMono(anchor)
        let reconstruction = try Reconstruction(bundle: bundle, samples: samples, soundPath: anchor)
        let seconds = Double(samples.count) / 44100
        let canvas = try Canvas(width: width, height: height)
        let loss = LossPanel(history: history, modelArchitecture: isDeep(bundle) ? "deep" : "shallow")
        draw(on: canvas, bundle: bundle, reconstruction: reconstruction, loss: loss, seconds: seconds, date: date)
        let path = out ?? self.path(anchor: anchor)
        try writeAtomically(try canvas.png(), to: path)
        return Summary(path: path, meanRMSE: reconstruction.meanRMSE, baselineRMSE: reconstruction.baselineRMSE,
                       pooledRMSE: reconstruction.pooledRMSE, pooledBaselineRMSE: reconstruction.pooledBaselineRMSE,
                       frames: reconstruction.frames, seconds: seconds, lossPanel: !(history?.losses.isEmpty ?? true),
                       decoder: reconstruction.decoderFile, decoderPath: reconstruction.decoderPath, notes: loss.mismatch.map { [$0] } ?? [])
    }

    /// Whether the model is deep, as its decoder's layers say (a `.fft.dec`'s
    /// matrix does not count); the `.mm` flag when there is no decoder. Not
    /// `ModelBundle.architectureFromLayers`, which without a `.dec` asks the
    /// encoder, and counts the native trainer's shallow encoder (a dense z head
    /// beside z_mean and z_log_var) as deep.
    static func isDeep(_ bundle: ModelBundle) -> Bool {
        guard let decoder = bundle.decoder ?? bundle.fftDecoder else { return bundle.metadata.deep }
        return decoder.plan.denseLayerCount > 2
    }

    /// "shallow (512 → 1000 → 8)" or "deep (512 → 1000 → … → 8)", as the layers say.
    static func architecture(_ bundle: ModelBundle) -> String {
        let m = bundle.metadata
        return isDeep(bundle) ? "deep (\(m.inputDim) → \(m.intermediateDim) → … → \(m.encodedDim))" : "shallow (\(m.inputDim) → \(m.intermediateDim) → \(m.encodedDim))"
    }

    static func draw(on canvas: Canvas, bundle: ModelBundle, reconstruction r: Reconstruction, loss: LossPanel,
                     seconds: Double, date: Date) {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        let name = URL(fileURLWithPath: bundle.anchor).lastPathComponent
        let decoder = URL(fileURLWithPath: r.decoderFile).lastPathComponent
        let title = "\(name)"
        canvas.text(title, at: CGPoint(x: 24, y: 38), size: 24, bold: true)
        let titleWidth = canvas.textWidth(title, size: 24, bold: true)
        canvas.text(String(format: "%@ · %d frames · %.1f s of sound · decoder %@ (%@) · %@", architecture(bundle), r.frames, seconds, decoder,
                           r.decoderPath, formatter.string(from: date)),
                    at: CGPoint(x: 24 + titleWidth + 16, y: 38), size: 16, color: .secondaryText)
        canvas.text(String(format: "spectral RMSE of the reconstruction %.4f vs %.4f for the mean frame (mean over frames, [0,1] scale; pooled over frames and bands %.4f vs %.4f)",
                           r.meanRMSE, r.baselineRMSE, r.pooledRMSE, r.pooledBaselineRMSE),
                    at: CGPoint(x: 24, y: 64), size: 14, color: .text)

        // Top row: the spectrograms.
        let top = 112.0, spectrogramHeight = 360.0, spectrogramWidth = 380.0
        let bands = Double(r.bands)
        let step = Double(MelAnalysis.hop) / 44100
        func frame(_ x: Double) -> PlotFrame {
            PlotFrame(rect: CGRect(x: x, y: top, width: spectrogramWidth, height: spectrogramHeight), x: 0...seconds, y: -0.5...(bands - 0.5))
        }
        let floorDB = -80.0
        let level = { (v: Double) in (20 * log10(max(v, 1e-12)) - floorDB) / -floorDB }
        let panel = { (values: [Float], scale: @escaping (Double) -> Double, map: ColorMap) in
            SpectrogramPanel(values: values, frames: r.frames, bands: r.bands, firstTime: Reconstruction.time(frame: 0), frameStep: step, scale: scale, map: map)
        }
        panel(r.source, level, .sequential).draw(on: canvas, in: frame(88), title: "Training sound (mel, dB)")
        panel(r.reconstruction, level, .sequential).draw(on: canvas, in: frame(548), title: "Reconstruction (encode → decode)")
        ColorBar(map: .sequential, range: floorDB...0, label: "dB re the training maximum", ticks: Ticks.linear(floorDB...0, count: 4),
                 tickLabel: { String(format: "%.0f", $0) })
            .draw(on: canvas, in: CGRect(x: 548 + spectrogramWidth + 14, y: top, width: ColorBar.width, height: spectrogramHeight))

        let difference = zip(r.source, r.reconstruction).map { $0 - $1 }
        let limit = Self.differenceLimit(difference)
        panel(difference, { ($0 / limit + 1) / 2 }, .diverging)
            .draw(on: canvas, in: frame(1110), title: "Difference (source − reconstruction)")
        let differenceTicks = Ticks.linear(-limit...limit, count: 6)
        let tickStep = differenceTicks.count > 1 ? differenceTicks[1] - differenceTicks[0] : limit
        ColorBar(map: .diverging, range: -limit...limit, label: "[0,1] scale, clipped at ±" + Ticks.label(limit, step: limit / 10),
                 ticks: differenceTicks, tickLabel: { Ticks.label($0, step: tickStep) })
            .draw(on: canvas, in: CGRect(x: 1110 + spectrogramWidth + 14, y: top, width: ColorBar.width, height: spectrogramHeight))

        // Bottom row: loss, error over time, latent space.
        let bottom = 590.0, plotHeight = 310.0, plotWidth = 430.0
        loss.draw(on: canvas, in: CGRect(x: 88, y: bottom, width: plotWidth, height: plotHeight))
        ErrorPanel(reconstruction: r, duration: seconds).draw(on: canvas, in: CGRect(x: 618, y: bottom, width: plotWidth, height: plotHeight))
        LatentPanel(latents: r.latents, dimensions: r.latentCount)
            .draw(on: canvas, in: CGRect(x: 1140, y: bottom, width: plotWidth, height: plotHeight))
    }

    /// The difference map's colour limit: the 99.5th percentile of |difference|
    /// rounded up to two significant figures (at least 0.001), so a few extreme
    /// values do not wash the rest out.
    static func differenceLimit(_ difference: [Float]) -> Double {
        let magnitudes = difference.map { abs(Double($0)) }.filter(\.isFinite).sorted()
        guard !magnitudes.isEmpty else { return 0.001 }
        let p = magnitudes[min(magnitudes.count - 1, Int(Double(magnitudes.count) * 0.995))]
        guard p > 0.001 else { return 0.001 }
        let unit = pow(10, floor(log10(p)) - 1)
        return (p / unit).rounded(.up) * unit
    }
}
