// The `autocoder` command: thin subcommands over the library modules.

import ArgumentParser

@main
struct Autocoder: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autocoder",
        abstract: "Play, inspect and use the latent space of autocoder models.",
        discussion: """
        A model is named by its anchor: for song.wav the files are song.wav.mm, \
        song.wav.dec and song.wav.enc (optionally song.wav.fft.dec). Models written by \
        the Python autocoder (TensorFlow Lite) load as they are.
        """,
        subcommands: [Serve.self, Render.self, Granular.self, Autocode.self, Filter.self, Analyze.self, Train.self, EncodeSet.self, DistancesCommand.self, Info.self, Decode.self, Encode.self, EncodeSound.self, Listen.self, Report.self, Addresses.self]
    )

    /// Negative numbers are values, not options (see NegativeNumbers).
    static func main() {
        main(NegativeNumbers.protect(Array(CommandLine.arguments.dropFirst())))
    }
}
