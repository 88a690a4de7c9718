// `autocoder listen`: what /listen streams, for a file, one line per hop.

import ArgumentParser
import AutocoderAudio
import AutocoderEngine
import AutocoderModel
import Foundation

struct Listen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encode a sound every hop as the server's /listen does; print one line per hop.",
        discussion: """
        Each line: the time in seconds at the hop's end, the encoder's latent values (as /encode \
        and /listen/latent give them), and, when ANCHOR.enc.npy is there, the nearest training \
        frame by L1 distance (as /listen/frame). The analysis is the autocode voice's: the newest \
        16384 samples, normalised by their peak. Silent hops are left out.
        """
    )

    @Argument(help: "The model's anchor (ANCHOR.enc, .mm, and .dec or .fft.dec).")
    var anchor: String

    @Argument(help: "Any sound file (resampled to 44.1 kHz, mixed to mono).")
    var sound: String

    @Option(help: "Hop between analyses: a power of two from 32 to 8192.", transform: NegativeNumbers.int)
    var hop = 512

    func validate() throws {
        guard (32...8192).contains(hop), hop & (hop - 1) == 0 else { throw ValidationError("--hop must be a power of two from 32 to 8192") }
    }

    func run() throws {
        let sampleRate = 44100
        let bundle = try ModelBundle(anchor: anchor, parts: ModelBundle.parts(of: anchor, encoder: .required))
        guard let encoder = bundle.encoder, let decoder = bundle.synthesis?.decoder else { return }
        let input = try AudioLoader.loadMono(sound, sampleRate: sampleRate)
        let encodings = bundle.anchor + ".enc.npy"
        let index = FileManager.default.fileExists(atPath: encodings) ? try LatentIndex(contentsOf: encodings) : nil
        let shape = try SynthesisShape.validated(fftSize: max(4096, 2 * hop), hop: hop).get()
        var output = ""
        for heard in try ListenAnalysis.hops(of: input, encoder: encoder, decoder: decoder, shape: shape, sampleRate: Double(sampleRate),
                                             trainingRange: index == nil ? nil : bundle.metadata.trainingRange) {
            let time = String(format: "%.6f", Double(heard.time) / Double(sampleRate))
            let frame = heard.trainingLatent.flatMap { latent in index.map { " \($0.nearest(to: latent))" } } ?? ""
            output += time + " " + heard.latent.map { String(format: "%.7g", $0) }.joined(separator: " ") + frame + "\n"
            if output.utf8.count > 1 << 16 {
                print(output, terminator: "")
                output = ""
            }
        }
        print(output, terminator: "")
    }
}
