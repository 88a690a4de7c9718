import ArgumentParser
import AutocoderModel
import AutocoderReport
import Foundation

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a model against its training sound: ANCHOR.report.png.",
        discussion: """
        One picture (1600 × 1000 PNG): the training loss per epoch (from ANCHOR.training.json, \
        which `autocoder train` writes; a model trained elsewhere gets a panel saying there is \
        none), the sound's mel spectrogram beside its reconstruction (every training frame \
        encoded and decoded) and their difference, the reconstruction's spectral RMSE per frame \
        against the mean-frame baseline (every frame replaced by the sound's mean frame), and \
        where the training frames fall in the latent space. The sound is read from ANCHOR and \
        analysed as `autocoder analyze` does, scaled to [0,1] by the .mm file's range. Needs \
        ANCHOR.mm, ANCHOR.enc and a decoder (ANCHOR.dec, or ANCHOR.fft.dec alone). Prints the \
        path and both RMSE figures.
        """
    )

    @Argument(help: "The model's anchor: its training sound, e.g. models/drone.wav (or one of its files).")
    var anchor: String

    @Option(name: .shortAndLong, help: "The PNG to write (default ANCHOR.report.png).")
    var out: String?

    func validate() throws {
        if let out, !out.lowercased().hasSuffix(".png") { throw ValidationError("--out must name a .png file") }
    }

    func run() throws {
        let started = Date()
        let anchor = ModelBundle.anchor(from: self.anchor)
        let history = try TrainingHistory.read(anchor: anchor)
        let summary = try ModelReport.write(anchor: anchor, history: history, out: out)
        let name = (anchor as NSString).lastPathComponent
        let loss = history.map { "loss history \(name).training.json (\($0.losses.count) epochs)" } ?? "no loss history (no \(name).training.json)"
        print(String(format: "wrote %@ in %.1f s", summary.path, Date().timeIntervalSince(started)))
        print(String(format: "%d frames (%.1f s of sound), decoder %@ (%@); %@", summary.frames, summary.seconds,
                     (summary.decoder as NSString).lastPathComponent, summary.decoderPath, loss))
        for note in summary.notes { print("note: \(note)") }
        print(String(format: "spectral RMSE, reconstruction vs source:      %.4f (mean over frames; pooled %.4f)", summary.meanRMSE, summary.pooledRMSE))
        print(String(format: "spectral RMSE, mean-frame baseline vs source: %.4f (mean over frames; pooled %.4f)", summary.baselineRMSE, summary.pooledBaselineRMSE))
    }
}
