import ArgumentParser
import AutocoderModel

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode latent values into one frame and print it on one line.",
        discussion: """
        Prints the decoder's output (512 mel values in [0,1] for the published models; \
        for a .fft.dec, its linear spectrum: 4096 values for the training notebook's) \
        separated by spaces. Missing latent values are 0, as with OSC /decode.
        """
    )

    @Argument(help: "The model's anchor, e.g. models/drone.wav: its .dec, or its .fft.dec when it has no .dec.")
    var anchor: String

    @Flag(name: .customLong("fft-dec"), help: "Decode with the bundle's .fft.dec even when it has a .dec.")
    var fftDecoder = false

    @Argument(help: "Latent values v1 … v8, each in [0,1] (negative ones need no --).", transform: NegativeNumbers.float)
    var latent: [Float] = []

    @Flag(help: "Allow latent values outside [0,1] (beyond what the training set covered).")
    var extrapolate = false

    func validate() throws {
        for (i, v) in latent.enumerated() {
            guard v.isFinite else { throw ValidationError("v\(i + 1) is \(v); latent values must be finite") }
            guard extrapolate || (0...1).contains(v) else {
                throw ValidationError("v\(i + 1) = \(v) is outside [0, 1] (use --extrapolate to allow it)")
            }
        }
    }

    func run() throws {
        let decoder = try ModelBundle(anchor: anchor, parts: ModelBundle.parts(of: anchor, fft: fftDecoder)).outputDecoder!
        guard latent.count <= decoder.latentCount else {
            throw ValidationError("the model has \(decoder.latentCount) latent dimensions; got \(latent.count) values")
        }
        let values = latent + Array(repeating: 0, count: decoder.latentCount - latent.count)
        print(decoder.decode(values).map { "\($0)" }.joined(separator: " "))
    }
}
