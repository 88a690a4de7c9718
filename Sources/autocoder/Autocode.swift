import ArgumentParser
import AutocoderAudio
import AutocoderEngine
import AutocoderModel
import Foundation

struct Autocode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cross-synthesis: play a sound (the modulator) through another sound's model (the carrier).",
        discussion: """
        Each hop of MODULATOR is analysed like a normalised training frame, encoded with the \
        carrier's encoder, and each latent dimension is rescaled by the range it covers over \
        the whole modulator. The dimensions are then reordered, inverted, scaled and offset \
        (in that order), clipped to [0,1], decoded with the carrier's decoder, brought to the \
        frame's own level and resynthesised with the modulator's phase. The result keeps the \
        modulator's timing and loudness and takes its timbre from the carrier. Dimensions are \
        numbered from 1, as in /latent/1 … /latent/8.
        """
    )

    @Argument(help: "The carrier model's anchor (ANCHOR.enc, .mm, and .dec or .fft.dec).")
    var carrier: String

    @Argument(help: "The modulator: any sound file (resampled to 44.1 kHz, mixed to mono).")
    var modulator: String

    @Option(help: "Resynthesis FFT size: a power of two from 256 to 16384.", transform: NegativeNumbers.int)
    var fft: Int = SynthesisShape.standard.fftSize

    @Option(help: "Hop between frames: a power of two from 32 to fft/2 (default 512, or fft/2 when that is less).", transform: NegativeNumbers.int)
    var hop: Int?

    @Option(parsing: .upToNextOption, help: "Output dimension d takes input dimension reorder[d], e.g. --reorder 2 1 3 4 5 6 7 8.",
            transform: NegativeNumbers.int)
    var reorder: [Int] = []

    @Option(parsing: .upToNextOption, help: "Dimensions to flip (v = 1 - v), e.g. --invert 1 4.", transform: NegativeNumbers.int)
    var invert: [Int] = []

    @Option(parsing: .upToNextOption, help: "Per-dimension scale (missing ones stay 1).", transform: NegativeNumbers.float)
    var scale: [Float] = []

    @Option(parsing: .upToNextOption, help: "Per-dimension offset (missing ones stay 0).", transform: NegativeNumbers.float)
    var offset: [Float] = []

    @Flag(help: "Scale the output to a peak of -1 dBFS.")
    var normalize = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        _ = try shape()
        for (name, values) in [("--scale", scale), ("--offset", offset)] {
            if let bad = values.first(where: { !$0.isFinite }) { throw ValidationError("\(name) value \(bad) is not a finite number") }
        }
    }

    /// The resynthesis shape; without --hop, the hop the server keeps for this FFT size.
    func shape() throws -> SynthesisShape {
        switch SynthesisShape.validated(fftSize: fft, hop: hop ?? SynthesisShape.defaultHop(fftSize: fft)) {
        case let .success(shape): return shape
        case let .failure(error): throw ValidationError(error.reason)
        }
    }

    /// The options as mapping vectors for a model of `dimensions` latent dimensions.
    func mapping(dimensions: Int) throws -> AutocodeRender.Mapping {
        for (name, count) in [("--reorder", reorder.count), ("--scale", scale.count), ("--offset", offset.count)] where count > dimensions {
            throw ValidationError("\(name) has \(count) values; the model has \(dimensions) latent dimensions")
        }
        for (name, values) in [("--reorder", reorder), ("--invert", invert)] {
            if let bad = values.first(where: { !(1...dimensions).contains($0) }) {
                throw ValidationError("\(name) names dimension \(bad); the model's are 1 to \(dimensions)")
            }
        }
        var mapping: AutocodeRender.Mapping = []
        if !reorder.isEmpty { mapping.append((.reorder, reorder.map { Float($0 - 1) })) }
        if !invert.isEmpty { mapping.append((.invert, (1...dimensions).map { invert.contains($0) ? 1 : 0 })) }
        if !scale.isEmpty { mapping.append((.scale, scale)) }
        if !offset.isEmpty { mapping.append((.offset, offset)) }
        return mapping
    }

    func run() throws {
        try output.checkWritable()
        let sampleRate = 44100
        let bundle = try ModelBundle(anchor: carrier, parts: ModelBundle.parts(of: carrier, encoder: .required))
        guard let encoder = bundle.encoder, let decoder = bundle.synthesis?.decoder else { return }
        let mapping = try mapping(dimensions: decoder.latentCount)
        let input = try AudioLoader.loadMono(modulator, sampleRate: sampleRate)
        let shape = try shape()
        let range = try AutocodeRender.range(of: input, encoder: encoder, decoder: decoder, shape: shape, sampleRate: Double(sampleRate))
        let samples = try AutocodeRender.render(input, encoder: encoder, decoder: decoder, shape: shape,
                                                sampleRate: Double(sampleRate), mapping: mapping, range: range)
        let spans = zip(range.minimum, range.maximum).map { String(format: "%.2f…%.2f", $0, $1) }
        print("modulator range per dimension: " + spans.joined(separator: " "))
        print(try output.write(samples, sampleRate: sampleRate, normalize: normalize))
    }
}
