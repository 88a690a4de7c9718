// `render --trajectory`: a latent trajectory played through the engine. Every
// hop is one render call, and before it the hop's latent values are sent with
// no glide and no walk: the trajectory's value (interpolated between rows,
// held beyond its ends) at the centre of the synthesis frame the hop starts,
// the time `encode-sound` gives the frame a row stands for. Main thread.

import AutocoderAudio
import AutocoderDSP
import AutocoderEngine
import AutocoderModel
import Foundation

struct TrajectoryPlayback {
    let trajectory: LatentTrajectory
    let voice: Int
    let latentPath: LatentPath
    let sidecar: TrajectorySidecar?
    let shape: SynthesisShape
    /// Trajectory samples per output sample.
    let timeScale: Double

    init(path: String, voice: Int?, model: LoadedModel, shape: SynthesisShape, sampleRate: Int, report: Bool) throws {
        trajectory = try LatentTrajectory(contentsOf: path)
        guard trajectory.latentCount == model.latentCount else {
            throw ModelFileError(path: path, problem: "holds \(trajectory.latentCount) latent values per row; the model has \(model.latentCount) dimensions")
        }
        guard let chosen = voice ?? trajectory.voices.first else { throw ModelFileError(path: path, problem: "holds no rows") }
        guard let latentPath = trajectory.latentPath(ofVoice: chosen) else {
            throw ModelFileError(path: path, problem: "has no rows for voice \(chosen) (its voices: \(trajectory.voices.map(String.init).joined(separator: ", ")))")
        }
        self.voice = chosen
        self.latentPath = latentPath
        sidecar = try TrajectorySidecar.read(for: path)
        if report, sidecar == nil {
            throw ModelFileError(path: path, problem: "--report needs \(TrajectorySidecar.path(for: path)), which encode-sound writes, to find the source sound")
        }
        self.shape = shape
        timeScale = Double(sidecar?.sampleRate ?? sampleRate) / Double(sampleRate)
    }

    /// Renders `hops` hops into `writer`; by default through the trajectory's
    /// last row and the spacing of rows after it (the stretch that row stands
    /// for), so a sound's trajectory renders at least as long as the sound.
    func render(_ engine: SynthesisEngine, hops: Int?, into writer: SoundFileWriter) throws {
        engine.send(.parameter(.glide, 0))
        let hop = shape.hop, centre = Double(shape.fftSize / 2)
        let times = latentPath.times
        let end = times.last! + (times.count > 1 ? times.last! - times[times.count - 2] : 0)
        let count = hops ?? max(1, Int((end / timeScale / Double(hop)).rounded(.up)))
        var latent = [Float](repeating: 0, count: latentPath.latentCount)
        try OfflineRender.render(engine, frames: count * hop, into: writer, block: hop) { frame in
            latent.withUnsafeMutableBufferPointer { latentPath.value(at: (Double(frame) + centre) * timeScale, into: $0.baseAddress!) }
            engine.send(.latent(LatentVector(latent)))
        }
    }

    /// The spectral RMSE of the file at `rendering` against the trajectory's source, and the baseline's.
    func report(rendering: String) throws -> String {
        guard let sidecar else { return "" }
        let source = try AudioLoader.loadMono(sidecar.sound)
        let rendered = try AudioLoader.loadMono(rendering)
        guard let result = SpectralRMSE.compare(source: source, rendering: rendered) else {
            throw ModelFileError(path: rendering, problem: "is too short to compare with \(sidecar.sound) (the analysis needs 16.5 windows of 1024 samples)")
        }
        return String(format: "spectral RMSE, rendering vs source:           %.4f (%d mel frames of %@)\n", result.rendering, result.frames, sidecar.sound)
            + String(format: "spectral RMSE, mean-frame baseline vs source: %.4f", result.meanFrame)
    }
}
