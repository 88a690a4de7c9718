import ArgumentParser
import AutocoderAudio
import AutocoderEngine
import AutocoderModel

struct Filter: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Filter a sound through a model's spectrum (the filter voice, offline): a morphing filter and reverb.",
        discussion: """
        Each hop of INPUT (Hann frames of --fft samples) keeps its phase and its energy and \
        takes a new magnitude: its own, normalised to its peak and raised to --whitening \
        (0.001 flattens it, so the model's colour shows through; 1 keeps the input's own), \
        times the model's decoded spectrum at the voice's latent point, which walks and glides \
        as in `render`. --autofilter takes away a share of the spectrum's slow average; --tail \
        feeds the filtered output, --predelay seconds later, back into the input, so a short \
        sound leaves a tail whose colour keeps moving. The file lasts the input and then its \
        tail until it has died away below -90 dBFS (at most --tail-seconds). The same voice \
        as the server's `/voice/new i:ID s:filter`; the same seed gives the same file.
        """
    )

    @Argument(help: "The model's anchor, e.g. models/drone.wav.")
    var anchor: String

    @Argument(help: "The sound to filter: any sound file (resampled to --sample-rate, mixed to mono).")
    var input: String

    @OptionGroup var synthesis: SynthesisOptions

    @Option(help: "Auto-filter a: take away a × the spectrum's slow average (0 to 1).", transform: NegativeNumbers.float)
    var autofilter: Float?

    @Option(help: "Tail gain: the filtered output fed back into the input (0 to 0.99).", transform: NegativeNumbers.float)
    var tail: Float?

    @Option(help: "Seconds before the output comes back as input (0 to 2; default 0.05).", transform: NegativeNumbers.float)
    var predelay: Float?

    @Option(help: "Dry/wet: 1 = all filtered, 0 = all dry (0 to 1).", transform: NegativeNumbers.float)
    var mix: Float?

    @Option(help: "Longest tail after the input, in seconds.", transform: NegativeNumbers.float)
    var tailSeconds: Float = 20

    @Option(parsing: .upToNextOption, help: "Starting latent values in [0,1] (default 0.5 each).", transform: NegativeNumbers.float)
    var latent: [Float] = []

    @Option(help: "Sample rate; bands keep their frequencies at any rate.", transform: NegativeNumbers.int)
    var sampleRate: Int = 44100

    @Flag(help: "Scale the output to a peak of -1 dBFS.")
    var normalize = false

    @OptionGroup var output: OutputOptions

    /// The filter's controls that were given.
    var filterSettings: [(EngineParameter, Float)] {
        [(EngineParameter.autofilter, autofilter), (.tail, tail), (.predelay, predelay), (.mix, mix)].compactMap { parameter, value in
            value.map { (parameter, $0) }
        }
    }

    func validate() throws {
        for (parameter, value) in filterSettings where !parameter.range.contains(value) {
            throw ValidationError("--\(parameter.rawValue) \(value) is outside \(parameter.range.lowerBound)…\(parameter.range.upperBound)")
        }
        guard tailSeconds >= 0, tailSeconds <= 600 else { throw ValidationError("--tail-seconds must be 0 to 600") }
        guard (8000...192_000).contains(sampleRate) else { throw ValidationError("--sample-rate must be 8000 to 192000") }
        if let bad = latent.firstIndex(where: { !(0...1).contains($0) }) {
            throw ValidationError("latent value \(bad + 1) = \(latent[bad]) is outside [0, 1]")
        }
    }

    func run() throws {
        try output.checkWritable()
        let rate = Double(sampleRate)
        let bundle = try ModelBundle(anchor: anchor, parts: ModelBundle.parts(of: anchor))
        let shape = try synthesis.shape().scaled(toSampleRate: rate)
        let model = try LoadedModel(bundle: bundle, shape: shape, sampleRate: rate)
        guard latent.count <= model.latentCount else {
            throw ValidationError("the model has \(model.latentCount) latent dimensions; got \(latent.count) values")
        }
        let sound = try AudioLoader.loadMono(input, sampleRate: sampleRate)
        // Voice 1 stays silent; voice 2 is the filter, on the "device" input this render feeds.
        let engine = SynthesisEngine(model: model, shape: shape, sampleRate: rate, channels: 1, seed: synthesis.seed,
                                     walking: false, playing: false, tapSeconds: 0.1)
        let filter = 2
        try engine.addGenerativeVoice(id: filter, model: LoadedModel(bundle: bundle, shape: shape, sampleRate: rate),
                                      walking: !synthesis.noWalk, filter: .device)
        synthesis.apply(to: engine, voice: filter)
        for (parameter, value) in filterSettings { engine.send(.parameter(parameter, value), to: filter) }
        if !latent.isEmpty {
            engine.send(.latent(LatentVector(latent)), to: filter)
            engine.send(.parameter(.glide, 0), to: filter)
        }
        let samples = FilterRender.render(engine, input: sound, tailSeconds: Double(tailSeconds))
        print(try output.write(samples, sampleRate: sampleRate, normalize: normalize))
        let tailLength = Double(samples.count - sound.count) / rate
        print(String(format: "tail: %.2f s after the input; limiter: %d samples reduced", tailLength,
                     engine.status.limitedSamples.load(ordering: .relaxed)))
    }
}
