import ArgumentParser
import AutocoderAudio
import AutocoderEngine
import AutocoderModel
import AutocoderTraining
import Foundation

struct EncodeSound: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode-sound",
        abstract: "Encode a sound hop by hop into a latent trajectory (F.latents.npy) that `render --trajectory` plays back.",
        discussion: """
        Each hop of SOUND is analysed as the autocode voice does (the training analysis, each \
        frame normalised by its peak), encoded with the model's encoder and rescaled by the \
        range each dimension covers over the whole sound — or, with --analysis training, \
        encoded as the training set is (frames at their level, as encode-set). One row per \
        hop, [time, voice 1, v1 … vN], time the centre of the analysis window in samples at \
        44.1 kHz. Beside it, \
        F.latents.npy.json names the sound, the FFT size, hop, rate and model, for \
        `render --trajectory --report`.
        """
    )

    @Argument(help: "The model's anchor (ANCHOR.enc, .mm, and .dec or .fft.dec).")
    var anchor: String

    @Argument(help: "The sound: any sound file (resampled to 44.1 kHz, mixed to mono).")
    var sound: String

    @Option(name: .shortAndLong, help: "The trajectory to write, e.g. take.latents.npy.")
    var out: String

    @Option(help: "FFT size of the frames the latents stand for: a power of two from 256 to 16384.", transform: NegativeNumbers.int)
    var fft: Int = SynthesisShape.standard.fftSize

    @Option(help: "Hop between rows: a power of two from 32 to fft/2 (default 512, or fft/2 when that is less).", transform: NegativeNumbers.int)
    var hop: Int?

    enum Analysis: String, ExpressibleByArgument {
        /// The autocode voice's: peak-normalised frames, rescaled by the sound's own range.
        case autocode
        /// The training set's: unnormalised frames scaled by ANCHOR.minmax, encoded with the .mm scaling.
        case training
    }

    @Option(help: "training (the default: frames as the training set has them, at their level, scaled by ANCHOR.minmax, as encode-set encodes them; renders closest to the sound) or autocode (each frame normalised by its peak, each dimension rescaled by the range it covers over the sound: as the autocode voice hears it).")
    var analysis: Analysis = .training

    @Flag(help: "Replace the trajectory if it exists.")
    var overwrite = false

    func validate() throws {
        _ = try shape()
        guard out.hasSuffix(".npy") else { throw ValidationError("--out must name a .npy file (e.g. take.latents.npy)") }
    }

    func shape() throws -> SynthesisShape {
        switch SynthesisShape.validated(fftSize: fft, hop: hop ?? SynthesisShape.defaultHop(fftSize: fft)) {
        case let .success(shape): return shape
        case let .failure(error): throw ValidationError(error.reason)
        }
    }

    func run() throws {
        if !overwrite, FileManager.default.fileExists(atPath: out) {
            throw ValidationError("\(out) exists (--overwrite replaces it)")
        }
        let sampleRate = 44100
        let bundle = try ModelBundle(anchor: anchor, parts: ModelBundle.parts(of: anchor, encoder: .required))
        guard let encoder = bundle.encoder, let decoder = bundle.synthesis?.decoder else { return }
        let input = try AudioLoader.loadMono(sound, sampleRate: sampleRate)
        let shape = try shape()
        let writer = try LatentTrajectoryWriter(path: out, latentCount: encoder.latentCount)
        do {
            let row = { (time: Int, latent: UnsafeBufferPointer<Float>) in try writer.append(time: Double(time), voice: 1, latent: latent) }
            switch analysis {
            case .autocode:
                try AutocodeRender.latents(of: input, encoder: encoder, decoder: decoder, shape: shape, sampleRate: Double(sampleRate), row: row)
            case .training:
                let range = try TrainingSetAnalysis.minMax(anchor: bundle.anchor)
                try TrainingSetAnalysis.latents(of: input, encoder: encoder, minIn: range.minIn, maxIn: range.maxIn, hop: shape.hop, row: row)
            }
            try writer.finish()
        } catch {
            // A failed command leaves nothing behind (a killed one leaves the valid temporary).
            unlink(writer.temporaryPath)
            throw error
        }
        let absolute = URL(fileURLWithPath: sound).standardizedFileURL.path
        try TrajectorySidecar(sound: absolute, fft: shape.fftSize, hop: shape.hop, sampleRate: sampleRate, anchor: anchor,
                              analysis: analysis.rawValue).write(for: out)
        print("\(out): \(writer.rowsWritten) rows (one per hop of \(shape.hop) samples, \(String(format: "%.2f", Double(input.count) / Double(sampleRate))) s) x \(encoder.latentCount) latent values")
    }
}
