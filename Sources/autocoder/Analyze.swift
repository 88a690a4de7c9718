import ArgumentParser
import AutocoderModel
import AutocoderTraining
import Foundation

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn a sound (or a folder of sounds) into a training set.",
        discussion: """
        A file writes FILE.npy (mel frames scaled to [0,1]) and FILE.minmax, exactly as the \
        published autocoder_analyze.py -a does. A folder needs a MODE: a number n (n random \
        frames from each file), average (each file's mean frame) or first (each file's first \
        frame), and writes combined.wav.npy, .minmax and .txt in the folder. Reads WAV, AIFF, \
        FLAC and Ogg; other sample rates are resampled to 44100 Hz (libsoxr, high quality).
        """
    )

    @Argument(help: "A sound file, or a folder of sound files.")
    var input: String

    @Argument(help: "For a folder: n, average or first.")
    var mode: String?

    @Flag(help: "Normalise each frame by its own peak before the mel step (for autocoding).")
    var normalized = false

    @Option(help: "Seed for the random frames of the n mode.")
    var seed: UInt64 = 1

    func run() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
            // Say why: a link loop or a dangling link is not "no such file".
            let problem = FileEntry.readProblem(input).flatMap { $0 == "no such file" ? nil : $0 } ?? "no such file or folder"
            throw ValidationError("\(input): \(problem)")
        }
        let progress = ProgressBar("analyzing \((input as NSString).lastPathComponent)")
        let set: TrainingSet
        if isDirectory.boolValue {
            guard let mode else { throw ValidationError("a folder needs a mode: a number of frames per file, average or first") }
            let folderMode: FolderMode
            switch mode {
            case "average": folderMode = .average
            case "first": folderMode = .first
            default:
                guard let n = Int(mode), n > 0 else { throw ValidationError("mode '\(mode)' is not a positive number, average or first") }
                folderMode = .framesPerFile(n)
            }
            set = try TrainingSetAnalysis.analyze(folder: input, mode: folderMode, normalized: normalized, seed: seed, progress: progress)
        } else {
            guard mode == nil else { throw ValidationError("a mode is for folders; \(input) is a file") }
            set = try TrainingSetAnalysis.analyze(file: input, normalized: normalized, progress: progress)
        }
        print("\(set.anchor).npy: \(set.rows) frames from \(set.sources.count) file\(set.sources.count == 1 ? "" : "s"); minin \(set.minIn), maxin \(set.maxIn)")
    }
}
