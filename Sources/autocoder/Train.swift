import ArgumentParser
import AutocoderReport
import AutocoderTraining
import Foundation

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the published VAE on ANCHOR.npy; writes ANCHOR.mm, .dec and .enc.",
        discussion: """
        Native training on the CPU (OpenBLAS, every core), no TensorFlow. Also writes \
        ANCHOR.training.json (the loss per epoch) and ANCHOR.report.png (see `autocoder report`). The defaults give a \
        good model of a one-minute sound in about a minute. The published autocoder used \
        --learning-rate 1e-5 --batch-size 256 --patience 1000 --min-delta 1e-5 --epochs 50000 \
        (--published sets them all). Ctrl-C or SIGTERM finishes the epoch, writes the best \
        model so far and exits 0; a second one aborts without writing. The files load in \
        TensorFlow Lite's interpreter, the Python autocoder tools and the Max external.
        """
    )

    @Argument(help: "The sound analysed with `autocoder analyze` (reads ANCHOR.npy and ANCHOR.minmax).")
    var anchor: String

    @Flag(help: "The deep architecture (1000-512-256-128-64-32-16) instead of the shallow one (1000).")
    var deep = false

    @Flag(help: "Use the published hyperparameters (slow: meant for hours on a GPU notebook).")
    var published = false

    @Option(help: "Most epochs to train (default 300; published 50000).", transform: NegativeNumbers.int)
    var epochs: Int?

    @Option(help: "Frames per batch (default and published 256).", transform: NegativeNumbers.int)
    var batchSize: Int?

    @Option(help: "Adam learning rate (default 1e-3; published 1e-5).", transform: NegativeNumbers.float)
    var learningRate: Float?

    @Option(help: "Stop after this many epochs without the loss improving by --min-delta (default 40; published 1000).", transform: NegativeNumbers.int)
    var patience: Int?

    @Option(help: "Improvement that counts for early stopping (default 1e-3; published 1e-5).", transform: NegativeNumbers.double)
    var minDelta: Double?

    @Option(help: "Seed of the initial weights and the shuffling.")
    var seed: UInt64 = 1

    @Flag(help: "For another program (the server's /train): after each epoch print 'progress EPOCH MAX_EPOCHS LOSS SECONDS_LEFT' on a line of its own, flushed; SECONDS_LEFT is at most the time to the epoch cap or to early stopping, whichever comes first.")
    var progressLines = false

    @Flag(help: "Stop without writing a model when the process that started this one goes away (the server that asked for it died).")
    var stopWithParent = false

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if let batchSize, !(1...65536).contains(batchSize) { throw ValidationError("--batch-size must be 1 to 65536") }
        if let learningRate, !(learningRate > 0 && learningRate < 1) { throw ValidationError("--learning-rate must be between 0 and 1") }
        if let patience, patience < 1 { throw ValidationError("--patience must be at least 1") }
        if let minDelta, minDelta < 0 { throw ValidationError("--min-delta must not be negative") }
    }

    func run() throws {
        let interrupt = TrainingInterrupt()
        interrupt.watch()
        var options = published ? TrainingOptions.published : TrainingOptions()
        options.shape = VAEShape(deep: deep)
        options.seed = seed
        if let epochs { options.epochs = epochs }
        if let batchSize { options.batchSize = batchSize }
        if let learningRate { options.learningRate = learningRate }
        if let patience { options.patience = patience }
        if let minDelta { options.minDelta = minDelta }

        let parent = getppid()
        let trainer = try Trainer(anchor: anchor, options: options)
        print("training \(deep ? "deep" : "shallow") VAE on \(trainer.frameCount) frames of \(anchor): at most \(options.epochs) epochs, batch \(options.batchSize), learning rate \(options.learningRate), patience \(options.patience)")
        let bar = ProgressBar("training")
        let terminal = isatty(STDERR_FILENO) != 0
        var losses: [Double] = []
        let result = try trainer.train(report: { report in
            losses.append(report.loss)
            if stopWithParent, getppid() != parent {
                FileHandle.standardError.write(Data("the process that started training is gone: stopped, no model written\n".utf8))
                Foundation.exit(1)
            }
            let left = Double(options.epochs - report.epoch) * report.seconds
            if progressLines {
                let toEarlyStop = report.bestEpoch + options.patience - report.epoch
                let epochsLeft = max(0, min(options.epochs - report.epoch, toEarlyStop))
                print(String(format: "progress %d %d %.6g %.1f", report.epoch, options.epochs, report.loss, Double(epochsLeft) * report.seconds))
                fflush(nil)
                return
            }
            let line = String(format: "epoch %d  loss %.4f  best %.4f (epoch %d)  %.2f s/epoch  ≤ %@ left",
                              report.epoch, report.loss, report.bestLoss, report.bestEpoch, report.seconds, Self.duration(left))
            if terminal {
                bar.update(Double(report.epoch) / Double(options.epochs), note: line)
            } else if report.epoch == 1 || report.epoch % 25 == 0 {
                print(line)
                fflush(nil)
            }
        }, shouldStop: { interrupt.requested != nil })
        bar.finish()
        let why = result.interrupted ? "stopped by request" : result.stoppedEarly ? "early stopping" : "epoch limit"
        print(String(format: "%d epochs (%@), %.2f s/epoch; loss %.4f → best %.4f at epoch %d", result.epochs, why,
                     result.secondsPerEpoch, result.firstLoss, result.bestLoss, result.bestEpoch))
        print(String(format: "wrote %@.mm, .dec, .enc (the best model, epoch %d); mean reconstruction error %.5f", anchor, result.bestEpoch,
                     result.reconstructionError))
        // The model is written; its history and picture follow it (a report that cannot be made does not undo the model).
        let history = TrainingHistory(losses: losses, bestEpoch: result.bestEpoch, secondsPerEpoch: result.secondsPerEpoch,
                                      architecture: deep ? "deep" : "shallow", stoppedBy: why)
        try history.write(anchor: anchor)
        do {
            let summary = try ModelReport.write(anchor: anchor, history: history)
            print(String(format: "wrote %@: spectral RMSE of the reconstruction %.4f, mean-frame baseline %.4f", summary.path,
                         summary.meanRMSE, summary.baselineRMSE))
        } catch {
            FileHandle.standardError.write(Data("warning: no report: \(error)\n".utf8))
        }
        if result.interrupted, let signal = interrupt.requested {
            print("\(TrainingInterrupt.name(signal)): stopped after epoch \(result.epochs); the best model so far (epoch \(result.bestEpoch)) is written")
        }
    }

    static func duration(_ seconds: Double) -> String {
        seconds >= 120 ? String(format: "%.0f min", seconds / 60) : String(format: "%.0f s", seconds)
    }
}
