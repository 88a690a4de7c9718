import ArgumentParser
import AutocoderModel

struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encode frames read from standard input into latent values.",
        discussion: """
        Reads numbers separated by spaces, commas or newlines, 512 per frame for the \
        published models (input_dim in general), and prints one line of latent values per \
        frame. Frames like the training set give values in [0,1]; others may fall outside \
        and are printed as they are, as the Python /encode does.
        """
    )

    @Argument(help: "The model's anchor, e.g. models/drone.wav.")
    var anchor: String

    func run() throws {
        let encoder = try ModelBundle(anchor: anchor, parts: [.encoder]).encoder!
        var values: [Float] = []
        while let line = readLine() {
            for token in line.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" || $0 == "\r" }) {
                guard let value = Float(token), value.isFinite else {
                    throw ValidationError("value \(values.count + 1) ('\(token.prefix(40))') is not a finite number")
                }
                values.append(value)
            }
        }
        guard !values.isEmpty, values.count % encoder.inputCount == 0 else {
            throw ValidationError("read \(values.count) values from standard input; the model takes \(encoder.inputCount) per frame")
        }
        let latent = encoder.encode(batch: values)
        for row in stride(from: 0, to: latent.count, by: encoder.latentCount) {
            print(latent[row..<row + encoder.latentCount].map { "\($0)" }.joined(separator: " "))
        }
    }
}
