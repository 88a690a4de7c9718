import ArgumentParser
import AutocoderAudio
import AutocoderEngine
import AutocoderModel

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render the generative synthesis offline to a WAV file.",
        discussion: """
        The same engine as `serve`, driven as fast as the machine allows: a random walk \
        through the latent space (unless --no-walk), decoded, turned into a spectrum and \
        resynthesised with random phase. The same seed gives the same file.
        """
    )

    @Argument(help: "The model's anchor, e.g. models/drone.wav: its .dec, or its .fft.dec when it has no .dec.")
    var anchor: String

    @Flag(name: .customLong("fft-dec"), help: "Play the bundle's .fft.dec even when it has a .dec.")
    var fftDecoder = false

    @Option(help: "Synthesis frames (hops) to render; the file lasts frames × hop samples (default 1000, or as long as the trajectory).",
            transform: NegativeNumbers.int)
    var frames: Int?

    @Option(help: "Play a latent trajectory (F.latents.npy, from encode-sound): each hop takes its value at the hop's time, no walk.")
    var trajectory: String?

    @Option(help: "The trajectory's voice to play (default its lowest voice ID).", transform: NegativeNumbers.int)
    var trajectoryVoice: Int?

    @Flag(help: "With --trajectory: print the spectral RMSE of the rendering against the sound the trajectory was encoded from, and of its mean frame.")
    var report = false

    @OptionGroup var synthesis: SynthesisOptions

    @OptionGroup var output: OutputOptions

    @Option(help: "Output channels: the same spectrum on each; with --width above 0, every other channel with its own phases.", transform: NegativeNumbers.int)
    var channels: Int = 1

    @Option(help: "Sample rate; bands keep their frequencies at any rate.", transform: NegativeNumbers.int)
    var sampleRate: Int = 44100

    @Option(parsing: .upToNextOption, help: "Starting latent values in [0,1] (default 0.5 each).", transform: NegativeNumbers.float)
    var latent: [Float] = []

    func validate() throws {
        if let frames, frames <= 0 { throw ValidationError("--frames must be positive") }
        if trajectory == nil, report || trajectoryVoice != nil {
            throw ValidationError("--report and --trajectory-voice go with --trajectory")
        }
        if trajectory != nil, !latent.isEmpty { throw ValidationError("--latent and --trajectory exclude each other: the trajectory sets the latent values") }
        guard (1...8).contains(channels) else { throw ValidationError("--channels must be 1 to 8") }
        guard (8000...192_000).contains(sampleRate) else { throw ValidationError("--sample-rate must be 8000 to 192000") }
        if let bad = latent.firstIndex(where: { !(0...1).contains($0) }) {
            throw ValidationError("latent value \(bad + 1) = \(latent[bad]) is outside [0, 1]")
        }
    }

    func run() throws {
        let bundle = try ModelBundle(anchor: anchor, parts: ModelBundle.parts(of: anchor, fft: fftDecoder))
        let shape = try synthesis.shape().scaled(toSampleRate: Double(sampleRate))
        let voice = try LoadedModel(bundle: bundle, shape: shape, sampleRate: Double(sampleRate))
        let played = try trajectory.map { try TrajectoryPlayback(path: $0, voice: trajectoryVoice, model: voice, shape: shape,
                                                                 sampleRate: sampleRate, report: report) }
        let engine = SynthesisEngine(model: voice, shape: shape, sampleRate: Double(sampleRate), channels: channels, seed: synthesis.seed,
                                     walking: !synthesis.noWalk && played == nil, tapSeconds: 0.1)
        synthesis.apply(to: engine)
        if !latent.isEmpty {
            guard latent.count <= voice.latentCount else {
                throw ValidationError("the model has \(voice.latentCount) latent dimensions; got \(latent.count) values")
            }
            engine.send(.latent(LatentVector(latent)))
            engine.send(.parameter(.glide, 0))
        }
        let writer = try output.writer(channels: channels, sampleRate: sampleRate)
        if let played {
            try played.render(engine, hops: frames, into: writer)
        } else {
            try OfflineRender.render(engine, frames: (frames ?? 1000) * shape.hop, into: writer)
        }
        try writer.close()
        let status = engine.status
        print("\(output.out): \(writer.framesWritten) frames (\(String(format: "%.2f", Double(writer.framesWritten) / Double(sampleRate))) s), \(status.clippedSamples.load(ordering: .relaxed)) samples clipped")
        if let calibration = voice.calibration { print("level: \(calibration.summary)") }
        print("limiter: \(status.limitedSamples.load(ordering: .relaxed)) samples reduced, \(String(format: "%.1f", status.limiterReduction)) dB of reduction at the end")
        if report, let played { print(try played.report(rendering: output.out)) }
    }
}

extension SoundFileWriter.SampleFormat: ExpressibleByArgument {}
