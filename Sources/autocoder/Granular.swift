import ArgumentParser
import AutocoderAudio
import AutocoderDSP
import AutocoderEngine
import AutocoderModel
import Foundation

struct Granular: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Resynthesise a model's source sound from grains chosen through its similarity order.",
        discussion: """
        Grains of --grain samples are cut from the sound ANCHOR at frame × --training-hop, \
        Hann-windowed and overlap-added every --hop samples. Each next frame is drawn from \
        the current frame's --pool most similar frames in ANCHOR.ord.npy: candidate \
        floor(u^power × pool), so --power above 1 stays close and below 1 wanders. \
        Make ANCHOR.ord.npy with `autocoder encode-set ANCHOR` and `autocoder distances ANCHOR N`. \
        The same seed gives the same file.
        """
    )

    @Argument(help: "The model's anchor, which is also the source sound (e.g. models/drone.wav).")
    var anchor: String

    @Option(help: "Seconds to render.", transform: NegativeNumbers.double)
    var seconds: Double = 10

    @Option(help: "Grain length in samples (at 44.1 kHz).", transform: NegativeNumbers.int)
    var grain: Int = 4096

    @Option(help: "Samples between grain starts in the output.", transform: NegativeNumbers.int)
    var hop: Int = 1024

    @Option(help: "Samples between training frames in the source (the analysis hop).", transform: NegativeNumbers.int)
    var trainingHop: Int = 1024

    @Option(help: "Candidates per step: the first n of each order row (default: the whole row).", transform: NegativeNumbers.int)
    var pool: Int?

    @Option(help: "Power p on the uniform draw: above 1 favours the most similar frames.", transform: NegativeNumbers.double)
    var power: Double = 2

    @Option(help: "First frame (default: drawn from the seed).", transform: NegativeNumbers.int)
    var start: Int?

    @Option(help: "Seed of the walk.")
    var seed: UInt64 = 1

    @Option(help: "Also write the frame of every grain, one per line, to this text file.")
    var frames: String?

    @Flag(help: "Scale the output to a peak of -1 dBFS.")
    var normalize = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard seconds > 0, seconds <= 24 * 3600 else { throw ValidationError("--seconds must be positive (at most a day)") }
        guard (16...1 << 20).contains(grain) else { throw ValidationError("--grain must be 16 to 1048576 samples") }
        guard (1...1 << 20).contains(hop) else { throw ValidationError("--hop must be 1 to 1048576 samples") }
        guard (1...1 << 20).contains(trainingHop) else { throw ValidationError("--training-hop must be 1 to 1048576 samples") }
        if let pool, pool < 1 { throw ValidationError("--pool must be at least 1") }
        guard power > 0, power.isFinite else { throw ValidationError("--power must be a positive number") }
    }

    func run() throws {
        try output.checkWritable()
        if let frames, FileManager.default.fileExists(atPath: frames), !output.overwrite {
            throw ValidationError("\(frames) already exists (not overwritten; --overwrite replaces it)")
        }
        let sampleRate = 44100
        let anchor = ModelBundle.anchor(from: self.anchor)
        let table = try DistanceTable(contentsOf: anchor + ".ord.npy")
        let source = try AudioLoader.loadMono(anchor, sampleRate: sampleRate)
        if let problem = GranularRender.sourceProblem(sourceCount: source.count, sampleRate: Double(sampleRate), table: table,
                                                      trainingHop: trainingHop) {
            throw ValidationError("\(anchor): \(problem)")
        }
        if let pool, pool > table.neighbours {
            throw ValidationError("--pool \(pool) is more than the \(table.neighbours) similar frames \(anchor).ord.npy lists")
        }
        if let start, !(0..<table.frames).contains(start) {
            throw ValidationError("--start \(start) is not a frame of \(anchor).ord.npy (0 to \(table.frames - 1))")
        }
        var generator = SplitMix64(seed: seed)
        let first = start ?? Int(generator.next() % UInt64(table.frames))
        let voice = GranularVoice(source: source, sampleRate: Double(sampleRate), table: table, trainingHop: trainingHop,
                                  start: first, seed: seed)
        voice.set(.pool, Float(pool ?? table.neighbours))
        voice.set(.power, Float(power))
        let grains = max(1, Int((seconds * Double(sampleRate) / Double(hop)).rounded(.up)))
        voice.recordStarts(capacity: grains)
        let samples = GranularRender.render(voice, grains: grains, grainLength: grain, hop: hop)
        print(try output.write(samples, sampleRate: sampleRate, normalize: normalize))
        if let frames {
            let text = voice.startedFrames.map(String.init).joined(separator: "\n") + "\n"
            try Data(text.utf8).write(to: URL(fileURLWithPath: frames), options: .atomic)
            print("\(frames): \(voice.startedFrames.count) frames")
        }
    }
}
