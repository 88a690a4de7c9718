// `autocoder analyze`: sounds → training sets, as SPEC §3 describes.
//
// A single file writes FILE.npy (frames × 512 mel values scaled to [0,1],
// float64, with the published tool's trailing all-zero row) and FILE.minmax.
// A folder writes folder/combined.wav(.npy, .minmax, .txt) from every sound
// in it, in one of three modes. Writes are atomic. Any thread; allocates.

import AutocoderAudio
import AutocoderDSP
import AutocoderModel
import Foundation

public enum FolderMode: Equatable, Sendable {
    /// n frames drawn at random (with replacement) from each file.
    case framesPerFile(Int)
    /// each file's mean frame.
    case average
    /// each file's first frame.
    case first
}

public struct TrainingSet {
    /// The anchor the files were written for.
    public let anchor: String
    public let rows: Int
    public let minIn: Double
    public let maxIn: Double
    /// For folders: the files used, in row order.
    public let sources: [String]
}

public enum TrainingSetAnalysis {
    /// Sound files `analyze` reads from a folder.
    public static let soundExtensions: Set<String> = ["wav", "aif", "aiff", "flac", "ogg", "oga"]

    /// Analyses one sound and writes `path.npy` and `path.minmax`.
    public static func analyze(file path: String, normalized: Bool = false, progress: ProgressBar? = nil) throws -> TrainingSet {
        let (values, rows, minIn, maxIn) = try scaledFrames(of: path, normalized: normalized, progress: progress)
        try write(values, rows: rows, minIn: minIn, maxIn: maxIn, anchor: path)
        return TrainingSet(anchor: path, rows: rows, minIn: minIn, maxIn: maxIn, sources: [path])
    }

    /// Analyses every sound in `folder` and writes `folder/combined.wav.*`.
    public static func analyze(folder: String, mode: FolderMode, normalized: Bool = false, seed: UInt64 = 1,
                               progress: ProgressBar? = nil) throws -> TrainingSet {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { soundExtensions.contains(($0 as NSString).pathExtension.lowercased()) && $0 != "combined.wav" }
            .sorted()
        guard !names.isEmpty else {
            throw ModelFileError(path: folder, problem: "holds no sound files (\(soundExtensions.sorted().joined(separator: ", ")))")
        }
        var generator = SplitMix64(seed: seed)
        var combined: [Double] = []
        var minIn = Double.infinity, maxIn = -Double.infinity
        let mels = 512
        for (index, name) in names.enumerated() {
            // Each file is scaled on its own first, as the published tool does.
            let (values, rows, fileMin, fileMax) = try scaledFrames(of: folder + "/" + name, normalized: normalized, progress: nil)
            minIn = min(minIn, fileMin)
            maxIn = max(maxIn, fileMax)
            switch mode {
            case let .framesPerFile(n):
                for _ in 0..<n {
                    let row = Int(generator.next() % UInt64(rows))
                    combined += values[row * mels..<(row + 1) * mels]
                }
            case .average:
                combined += (0..<mels).map { j in (0..<rows).reduce(0.0) { $0 + values[$1 * mels + j] } / Double(rows) }
            case .first:
                combined += values[0..<mels]
            }
            progress?.update(Double(index + 1) / Double(names.count), note: name)
        }
        progress?.finish()
        let low = combined.min() ?? 0, high = combined.max() ?? 1
        let scaled = combined.map { high > low ? ($0 - low) / (high - low) : 0 }
        let anchor = folder + "/combined.wav"
        _ = FileManager.default.createFile(atPath: anchor, contents: Data())
        try write(scaled, rows: scaled.count / mels, minIn: minIn, maxIn: maxIn, anchor: anchor)
        let listing = names.enumerated().map { "\($0.offset), \($0.element);\n" }.joined()
        try writeAtomically(Data(listing.utf8), to: anchor + ".txt")
        return TrainingSet(anchor: anchor, rows: scaled.count / mels, minIn: minIn, maxIn: maxIn, sources: names)
    }

    /// Frames of one sound with the trailing zero row, scaled to [0,1].
    private static func scaledFrames(of path: String, normalized: Bool, progress: ProgressBar?)
        throws -> (values: [Double], rows: Int, minIn: Double, maxIn: Double) {
        let samples = try AudioLoader.loadMono(path)
        let frames = MelAnalysis.frameCount(sampleCount: samples.count)
        guard frames > 0 else {
            throw ModelFileError(path: path, problem: String(format: "is %.2f s long; the analysis needs more than %.2f s (16.5 windows of 1024 samples)",
                                                             Double(samples.count) / 44100, 16.5 * 1024 / 44100))
        }
        let analysis = MelAnalysis()
        let mel = analysis.frames(of: samples, normalized: normalized) { progress?.update($0) }
        progress?.finish()
        let values = mel.map { Double($0) } + [Double](repeating: 0, count: 512)
        let low = values.min()!, high = values.max()!
        guard high > low else { throw ModelFileError(path: path, problem: "is silent: every mel value is \(low)") }
        return (values.map { ($0 - low) / (high - low) }, frames + 1, low, high)
    }

    private static func write(_ values: [Double], rows: Int, minIn: Double, maxIn: Double, anchor: String) throws {
        try NumPyArray.write(float64: values, shape: [rows, values.count / rows], to: anchor + ".npy")
        try writeAtomically(Data(String(format: "%.18e, %.18e\n", minIn, maxIn).utf8), to: anchor + ".minmax")
    }
}
