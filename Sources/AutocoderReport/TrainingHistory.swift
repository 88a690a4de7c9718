// A training run's loss history, kept beside the model as ANCHOR.training.json
// so that `autocoder report` can draw it: the loss of every epoch, the epoch
// whose weights were written, the time per epoch, the architecture and what
// ended the run. `autocoder train` writes it; a model trained elsewhere has none.
//
//   {"architecture": "shallow", "bestEpoch": 312, "losses": [319.1, …],
//    "secondsPerEpoch": 0.21, "stoppedBy": "epoch limit"}
//
// Epochs count from 1 (losses[0] is epoch 1's). A loss that is not finite (a
// diverging epoch) is written as the string "NaN", "Infinity" or "-Infinity".
// Values; any thread; `write` and `read` do blocking file I/O.

import AutocoderModel
import Foundation

public struct TrainingHistory: Codable, Equatable, Sendable {
    /// The mean loss of each epoch, epoch 1 first.
    public var losses: [Double]
    /// The epoch whose weights the model files hold (1-based).
    public var bestEpoch: Int
    public var secondsPerEpoch: Double
    /// "shallow" or "deep".
    public var architecture: String
    /// What ended the run: "epoch limit", "early stopping", "stopped by request".
    public var stoppedBy: String

    public init(losses: [Double], bestEpoch: Int, secondsPerEpoch: Double, architecture: String, stoppedBy: String) {
        self.losses = losses
        self.bestEpoch = bestEpoch
        self.secondsPerEpoch = secondsPerEpoch
        self.architecture = architecture
        self.stoppedBy = stoppedBy
    }

    /// ANCHOR.training.json.
    public static func path(anchor: String) -> String { anchor + ".training.json" }

    /// The loss of the best epoch, when there is one.
    public var bestLoss: Double? { losses.indices.contains(bestEpoch - 1) ? losses[bestEpoch - 1] : nil }

    /// Writes ANCHOR.training.json atomically (a temporary beside it, renamed into place).
    public func write(anchor: String) throws {
        let path = Self.path(anchor: anchor)
        if let problem = problem { throw ModelFileError(path: path, problem: "not written: \(problem)") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let data: Data
        do {
            data = try encoder.encode(self)
        } catch {
            throw ModelFileError(path: path, problem: "not written: \(error)")
        }
        try writeAtomically(data + Data("\n".utf8), to: path)
    }

    /// ANCHOR.training.json, or nil when there is none; a file that is there but
    /// cannot be read or is not a training history is an error naming it.
    public static func read(anchor: String) throws -> TrainingHistory? {
        let path = path(anchor: anchor)
        guard FileEntry.exists(path) else { return nil }
        let bytes = try ModelFileError.contents(of: path, maximumSize: 64 << 20, what: "a training history")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let history: TrainingHistory
        do {
            history = try decoder.decode(TrainingHistory.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw ModelFileError(path: path, problem: "is not a training history: \(Self.describe(error))")
        } catch {
            throw ModelFileError(path: path, problem: "is not a training history: \(error)")
        }
        if let problem = history.problem { throw ModelFileError(path: path, problem: "is not a training history: \(problem)") }
        return history
    }

    /// What makes this history inconsistent, or nil.
    var problem: String? {
        if losses.isEmpty { return "no epochs (losses is empty)" }
        if !(1...losses.count).contains(bestEpoch) { return "bestEpoch \(bestEpoch) is not one of its \(losses.count) epochs (1 to \(losses.count))" }
        if !losses[bestEpoch - 1].isFinite { return "the loss of bestEpoch \(bestEpoch) is not finite" }
        if !(secondsPerEpoch.isFinite && secondsPerEpoch >= 0) { return "secondsPerEpoch \(secondsPerEpoch) is not a time" }
        return nil
    }

    /// A decoding error in words: which key, and what was wrong with it.
    private static func describe(_ error: DecodingError) -> String {
        func at(_ path: [CodingKey]) -> String {
            path.isEmpty ? "" : " at " + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case let .keyNotFound(key, context): return "'\(key.stringValue)' is missing\(at(context.codingPath))"
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            return "\(context.debugDescription.prefix(120))\(at(context.codingPath))"
        case let .dataCorrupted(context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(context.debugDescription.prefix(120))\(at(context.codingPath))"
        @unknown default: return "\(error)"
        }
    }
}
