// `autocoder train`: fits the VAE to ANCHOR.npy and writes ANCHOR.mm, .dec and
// .enc. Epochs shuffle the frames and walk them in batches; early stopping
// watches the epoch loss; the best weights seen are the ones written, also
// when a stop is requested (Ctrl-C). Nothing is written unless the model loads
// as a reader would load it: finite weights, a latent range in every dimension.
// One thread drives it; BLAS uses the cores.

import AutocoderDSP
import AutocoderModel
import Foundation

public struct TrainingOptions: Sendable {
    public var shape = VAEShape()
    public var epochs = 300
    public var batchSize = 256
    public var learningRate: Float = 1e-3
    public var patience = 40
    public var minDelta = 1e-3
    public var seed: UInt64 = 1

    public init() {}

    /// The published autocoder's settings (autocoder_analyze.py / the Colab script).
    public static var published: TrainingOptions {
        var options = TrainingOptions()
        options.epochs = 50000
        options.learningRate = 1e-5
        options.patience = 1000
        options.minDelta = 1e-5
        return options
    }
}

public struct EpochReport: Sendable {
    public let epoch: Int
    public let loss: Double
    public let bestLoss: Double
    public let bestEpoch: Int
    public let seconds: Double
}

public struct TrainingResult: Sendable {
    public let epochs: Int
    public let firstLoss: Double
    public let bestLoss: Double
    public let bestEpoch: Int
    public let stoppedEarly: Bool
    public let interrupted: Bool
    public let secondsPerEpoch: Double
    /// Mean |x − decode(encode(x))| over the training frames, with the written model.
    public let reconstructionError: Double
}

public final class Trainer {
    public let anchor: String
    public let options: TrainingOptions
    private let frames: [Float]
    private let rows: Int
    private let range: (minIn: Double, maxIn: Double)
    private var vae: VAE

    /// Fewest frames a training set may have. The latent range of each of the
    /// encoded dimensions is learnt as the span of the training frames'
    /// encodings: a set of one frame gives every dimension a zero span (every
    /// latent value decodes to the same frame), and a handful of frames gives
    /// spans that say nothing about the sound. 16 frames are 0.4 s of sound at
    /// the analysis hop of 1024 samples.
    public static let minimumFrames = 16

    /// Reads ANCHOR.npy (frames × input_dim in [0,1]) and ANCHOR.minmax.
    public init(anchor: String, options: TrainingOptions) throws {
        let set = try NumPyArray(contentsOf: anchor + ".npy")
        let width = options.shape.inputDim
        guard set.shape.count == 2, set.shape[0] > 0, set.shape[1] == width else {
            throw ModelFileError(path: anchor + ".npy", problem: "has shape \(set.shape); expected frames x \(width) (run `autocoder analyze` first)")
        }
        guard set.shape[0] >= Self.minimumFrames else {
            throw ModelFileError(path: anchor + ".npy", problem: """
                has \(set.shape[0]) frame\(set.shape[0] == 1 ? "" : "s"); training needs at least \(Self.minimumFrames) \
                (0.4 s of sound): the latent range is learnt from the frames' spread, and fewer give a model \
                whose every latent value decodes to nearly the same frame
                """)
        }
        if let bad = set.values.firstIndex(where: { !($0.isFinite && $0 >= 0 && $0 <= 1) }) {
            let value = set.values[bad]
            throw ModelFileError(path: anchor + ".npy", problem: """
                frame \(bad / width), band \(bad % width) is \(value.isNaN ? "NaN" : "\(value)"); a training set holds values in [0,1]
                """)
        }
        frames = set.values.map { Float($0) }
        rows = set.shape[0]
        let text = String(decoding: try ModelFileError.contents(of: anchor + ".minmax"), as: UTF8.self)
        let values = text.split(whereSeparator: { $0 == "," || $0.isWhitespace }).compactMap { Double($0) }
        guard values.count == 2, values.allSatisfy({ $0.isFinite }) else {
            throw ModelFileError(path: anchor + ".minmax", problem: "expected two numbers, minin and maxin")
        }
        range = (values[0], values[1])
        self.anchor = anchor
        self.options = options
        vae = VAE(shape: options.shape, seed: options.seed)
    }

    public var frameCount: Int { rows }

    /// Trains until the epoch cap, early stopping or `shouldStop`, then writes
    /// the best weights as ANCHOR.mm/.dec/.enc.
    public func train(report: (EpochReport) -> Void = { _ in }, shouldStop: () -> Bool = { false }) throws -> TrainingResult {
        var random = SplitMix64(seed: options.seed &+ 1)
        var order = Array(0..<rows)
        let dim = options.shape.inputDim
        var best = vae
        var bestLoss = Double.infinity, bestEpoch = 0, firstLoss = 0.0
        var sinceImprovement = 0
        var epoch = 0
        var interrupted = false
        let started = Date()
        var batch = [Float](repeating: 0, count: options.batchSize * dim)
        while epoch < options.epochs {
            if shouldStop() { interrupted = true; break }
            let epochStart = Date()
            order.shuffle(using: &random)
            var total = 0.0
            for start in stride(from: 0, to: rows, by: options.batchSize) {
                let count = min(options.batchSize, rows - start)
                for (slot, row) in order[start..<start + count].enumerated() {
                    batch.replaceSubrange(slot * dim..<(slot + 1) * dim, with: frames[row * dim..<(row + 1) * dim])
                }
                let loss = vae.step(Array(batch.prefix(count * dim)), rows: count, learningRate: options.learningRate, learn: true)
                total += loss * Double(count)
            }
            epoch += 1
            let loss = total / Double(rows)
            if epoch == 1 { firstLoss = loss }
            if loss < bestLoss - options.minDelta {
                sinceImprovement = 0
            } else {
                sinceImprovement += 1
            }
            if loss < bestLoss {
                bestLoss = loss
                bestEpoch = epoch
                best = vae
            }
            report(EpochReport(epoch: epoch, loss: loss, bestLoss: bestLoss, bestEpoch: bestEpoch, seconds: Date().timeIntervalSince(epochStart)))
            if sinceImprovement >= options.patience { break }
        }
        let secondsPerEpoch = epoch > 0 ? Date().timeIntervalSince(started) / Double(epoch) : 0
        guard bestLoss.isFinite else {
            throw TrainingError("training diverged: no epoch had a finite loss (try a lower --learning-rate); nothing written")
        }
        vae = best
        let error = try write(vae)
        return TrainingResult(epochs: epoch, firstLoss: firstLoss, bestLoss: bestLoss, bestEpoch: bestEpoch,
                              stoppedEarly: epoch < options.epochs && !interrupted, interrupted: interrupted,
                              secondsPerEpoch: secondsPerEpoch, reconstructionError: error)
    }

    /// Writes `vae` as ANCHOR.dec, .enc and .mm; returns the mean reconstruction
    /// error. The model is first loaded from its bytes as any reader would load
    /// it, so a model with non-finite weights or a degenerate latent range is
    /// refused before a file is touched; the three files are then renamed into
    /// place together (see writeAtomically).
    func write(_ vae: VAE) throws -> Double {
        let shape = options.shape
        let zMean = vae.encode(frames, rows: rows)
        var low = [Double](repeating: .infinity, count: shape.encodedDim), high = [Double](repeating: -.infinity, count: shape.encodedDim)
        for (i, z) in zMean.enumerated() {
            low[i % shape.encodedDim] = min(low[i % shape.encodedDim], Double(z))
            high[i % shape.encodedDim] = max(high[i % shape.encodedDim], Double(z))
        }
        let computed = ModelMetadata(scaleMult: zip(high, low).map { $0 - $1 }, scaleSubtract: low, minIn: range.minIn, maxIn: range.maxIn,
                                     inputDim: shape.inputDim, intermediateDim: shape.intermediateDim, encodedDim: shape.encodedDim, deep: shape.deep)
        // The range as the .mm file will hold it (six decimals): a span below 5e-7 is written as 0.
        let written = computed.scaleMult.allSatisfy(\.isFinite) ? try? ModelMetadata(text: computed.text, path: anchor + ".mm") : nil
        if let d = (0..<shape.encodedDim).first(where: { !((written?.scaleMult[$0] ?? 0) > 0) }) {
            throw TrainingError("""
                the trained model's latent range is degenerate: dimension \(d + 1) spans \(computed.scaleMult[d]) over the \(rows) \
                training frames, which the .mm file holds as \(written.map { "\($0.scaleMult[d])" } ?? "no number") (scale_mult must be \
                positive, or every latent value decodes alike: are the frames all the same?); nothing written
                """)
        }
        let metadata = written!
        let files = [(anchor + ".dec", vae.decoderFile), (anchor + ".enc", vae.encoderFile)]
        let plans: [InferencePlan]
        do {
            plans = try files.map { path, bytes in try InferencePlan(model: TFLiteModel(bytes: bytes, path: path), path: path) }
        } catch {
            throw TrainingError("training diverged: \(error); nothing written")
        }
        let decoder = try Decoder(plan: plans[0], metadata: metadata, path: files[0].0)
        let encoder = try Encoder(plan: plans[1], metadata: metadata, path: files[1].0)
        let decoded = decoder.decode(batch: encoder.encode(batch: frames))
        let error = zip(decoded, frames).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(frames.count)
        guard error.isFinite else { throw TrainingError("training diverged: the model decodes to non-finite values; nothing written") }
        try writeAtomically(files.map { ($0.0, Data($0.1)) } + [(anchor + ".mm", Data(metadata.text.utf8))])
        return error
    }
}

