// The native trainer: its gradients against finite differences, and real
// learning on a real recording, with the written files checked in our reader
// and in TensorFlow Lite's own interpreter.

import AudioTestSupport
import AutocoderModel
@testable import AutocoderTraining
import Foundation
import Testing

@Suite struct TrainerTests {
    /// Shallow with its ReLUs (checks the masks), and the deep chain with the
    /// ReLUs off: its many narrow layers put kinks within any finite step, and
    /// without them central differences are exact up to float rounding.
    @Test(arguments: [false, true])
    func gradientsMatchFiniteDifferences(deep: Bool) {
        var vae = VAE(shape: VAEShape(inputDim: 12, intermediateDim: 20, encodedDim: 3, deep: deep), seed: 3)
        if deep {
            for k in vae.encoder.indices { vae.encoder[k].relu = false }
            for k in vae.decoder.indices { vae.decoder[k].relu = false }
        }
        let rows = 4
        let x: [Float] = (0..<rows * 12).map { Float(($0 * 37) % 100) / 100 * 0.9 + 0.05 }
        _ = vae.step(x, rows: rows, learningRate: 0, learn: true)   // stores the gradients, moves nothing
        let layers: [(name: String, get: (VAE) -> TrainableLayer, set: (inout VAE, DenseLayer) -> Void)] = [
            ("encoder 0", { $0.encoder[0] }, { $0.encoder[0].layer = $1 }),
            ("z_mean", { $0.zMean }, { $0.zMean.layer = $1 }),
            ("z_log_var", { $0.zLogVar }, { $0.zLogVar.layer = $1 }),
            ("decoder 0", { $0.decoder[0] }, { $0.decoder[0].layer = $1 }),
            ("decoder last", { $0.decoder[$0.decoder.count - 1] }, { $0.decoder[$0.decoder.count - 1].layer = $1 }),
        ]
        var checked = 0
        let center = vae.step(x, rows: rows, learningRate: 0, learn: false)
        /// Compares an analytic derivative with finite differences of the loss. Where a
        /// ReLU kink lies within ±h the one-sided slopes differ, and the analytic value
        /// must then be one of them; elsewhere it must match the central difference.
        func check(_ analytic: Double, _ what: String, perturb: (inout DenseLayer, Float) -> Void, get: (VAE) -> TrainableLayer,
                   set: (inout VAE, DenseLayer) -> Void) {
            let h: Float = 1e-3
            var probe = vae
            var layer = get(vae).layer
            perturb(&layer, h)
            set(&probe, layer)
            let up = probe.step(x, rows: rows, learningRate: 0, learn: false)
            layer = get(vae).layer
            perturb(&layer, -h)
            set(&probe, layer)
            let down = probe.step(x, rows: rows, learningRate: 0, learn: false)
            let (right, left) = ((up - center) / Double(h), (center - down) / Double(h))
            let tolerance = 3e-3 + 0.02 * abs(analytic)
            if abs(right - left) > 0.3 * abs(analytic) + 4e-3 {
                #expect(min(abs(right - analytic), abs(left - analytic)) <= tolerance + 0.05 * abs(analytic),
                        "\(what) at a kink: slopes \(left) / \(right), analytic \(analytic)")
            } else {
                #expect(abs((right + left) / 2 - analytic) <= tolerance, "\(what): numeric \((right + left) / 2), analytic \(analytic)")
            }
            checked += 1
        }
        for (name, get, set) in layers {
            let trainable = get(vae)
            for index in stride(from: 0, to: trainable.layer.weights.count, by: max(1, trainable.layer.weights.count / 7)) {
                check(Double(trainable.gradWeights[index]), "\(name) weight \(index)", perturb: { $0.weights[index] += $1 }, get: get, set: set)
            }
            for index in 0..<min(3, trainable.layer.bias.count) {
                check(Double(trainable.gradBias[index]), "\(name) bias \(index)", perturb: { $0.bias[index] += $1 }, get: get, set: set)
            }
        }
        #expect(checked > 30)
    }

    @Test func learnsARealRecording() throws {
        let directory = try Sounds.scratch(["alarm-clock-elapsed.oga"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let anchor = directory + "/alarm-clock-elapsed.oga"
        _ = try TrainingSetAnalysis.analyze(file: anchor)
        var options = TrainingOptions()
        options.epochs = 40
        options.batchSize = 32
        let trainer = try Trainer(anchor: anchor, options: options)
        var losses: [Double] = []
        let result = try trainer.train(report: { losses.append($0.loss) })
        #expect(result.firstLoss / result.bestLoss >= 10, "loss \(result.firstLoss) → \(result.bestLoss)")
        #expect(losses.count == result.epochs)

        // decode(encode(x)) through the written files reproduces the frames far
        // better than the mean frame does.
        let data = try NumPyArray(contentsOf: anchor + ".npy")
        let frames = data.floats, width = 512, rows = data.shape[0]
        let mean = (0..<width).map { j in (0..<rows).reduce(Float(0)) { $0 + frames[$1 * width + j] } / Float(rows) }
        let meanFrameError = (0..<frames.count).reduce(0.0) { $0 + Double(abs(frames[$1] - mean[$1 % width])) } / Double(frames.count)
        #expect(result.reconstructionError < meanFrameError / 3, "reconstruction \(result.reconstructionError), mean frame \(meanFrameError)")

        // The written files: our reader, and TensorFlow Lite's interpreter, agree.
        let bundle = try ModelBundle(anchor: anchor, parts: [.decoder, .encoder])
        #expect(bundle.metadata.inputDim == 512 && bundle.metadata.encodedDim == 8 && !bundle.metadata.deep)
        let encoded = bundle.encoder!.encode(batch: Array(frames.prefix(20 * width)))
        #expect(encoded.allSatisfy { $0 >= -1e-4 && $0 <= 1 + 1e-4 }, "training frames encode into [0,1]")
        let latents: [[Float]] = (0..<5).map { r in (0..<8).map { Float((r * 3 + $0) % 7) / 6 } }
        let metadata = bundle.metadata
        let theirs = try LiteRT.run(anchor + ".dec", rows: latents.map { v in v.enumerated().map { Float(Double($1) * metadata.scaleMult[$0] + metadata.scaleSubtract[$0]) } }, index: 7)
        for (latent, row) in zip(latents, theirs) {
            let ours = bundle.decoder!.decode(latent)
            #expect(zip(ours, row.prefix(512)).allSatisfy { abs($0 - $1) <= 1e-5 })
        }
        let someFrames = (0..<6).map { r in Array(frames[r * 40 * width..<(r * 40 + 1) * width]) }
        let encoderRows = try LiteRT.run(anchor + ".enc", rows: someFrames, index: 15)
        for (frame, row) in zip(someFrames, encoderRows) {
            let ours = bundle.encoder!.outputs(frame)
            #expect(zip(ours[0], row[0..<8]).allSatisfy { abs($0 - $1) <= 1e-5 }, "z_mean")
            #expect(zip(ours[1], row[8..<16]).allSatisfy { abs($0 - $1) <= 1e-5 }, "z_log_var")
            #expect(zip(ours[0], row[24..<32]).allSatisfy { abs($0 - $1) <= 1e-5 }, "tensor 15 is z_mean, as the published tools read it")
        }
    }

    @Test func aStopRequestKeepsTheBestModelSoFar() throws {
        let directory = try Sounds.scratch(["complete.oga"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let anchor = directory + "/complete.oga"
        _ = try TrainingSetAnalysis.analyze(file: anchor)
        var options = TrainingOptions()
        options.epochs = 1000
        var epochs = 0
        let result = try Trainer(anchor: anchor, options: options).train(report: { _ in epochs += 1 }, shouldStop: { epochs >= 4 })
        #expect(result.interrupted && result.epochs == 4)
        #expect(result.bestLoss < result.firstLoss)
        let bundle = try ModelBundle(anchor: anchor, parts: [.decoder, .encoder])
        #expect(bundle.metadata.encodedDim == 8)
    }

    @Test func encodeSetAndDistancesFollowTheEncoder() throws {
        let directory = try Sounds.scratch(["complete.oga"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let anchor = directory + "/complete.oga"
        _ = try TrainingSetAnalysis.analyze(file: anchor)
        var options = TrainingOptions()
        options.epochs = 5
        _ = try Trainer(anchor: anchor, options: options).train()

        let (frames, latent) = try Distances.encodeSet(anchor: anchor)
        let encoded = try NumPyArray(contentsOf: anchor + ".enc.npy")
        let set = try NumPyArray(contentsOf: anchor + ".npy")
        let encoder = try ModelBundle(anchor: anchor, parts: [.encoder]).encoder!
        #expect(encoded.shape == [frames, latent] && frames == set.shape[0] && latent == 8)
        #expect(zip(encoded.values, encoder.encode(batch: set.floats)).allSatisfy { abs($0 - Double($1)) < 1e-6 })

        let (_, kept) = try Distances.order(anchor: anchor, neighbours: 4)
        let order = try NumPyArray(contentsOf: anchor + ".ord.npy")
        #expect(order.dtype == "<i8" && order.shape == [frames, kept] && kept == 4)
        let v = encoded.values
        func distance(_ a: Int, _ b: Int) -> Double { (0..<8).reduce(0) { $0 + abs(v[a * 8 + $1] - v[b * 8 + $1]) } }
        for row in 0..<frames {
            let expected = (0..<frames).filter { $0 != row }.sorted { (distance(row, $0), $0) < (distance(row, $1), $1) }.prefix(4)
            #expect(order.values[row * 4..<row * 4 + 4].map { Int($0) } == Array(expected))
        }
        #expect(try DistanceTable(contentsOf: anchor + ".ord.npy").neighbours == 4, "the server's /load/distance reads it")
    }

    @Test func refusesTrainingSetsItCannotUse() throws {
        let directory = try Sounds.scratch([])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try NumPyArray.write(float64: [0.5, 1.5, 0, 0], shape: [1, 4], to: directory + "/bad.wav.npy")
        func problem(_ anchor: String) -> String {
            do { _ = try Trainer(anchor: anchor, options: TrainingOptions()); return "no error" } catch { return "\(error)" }
        }
        #expect(problem(directory + "/bad.wav").contains("has shape [1, 4]; expected frames x 512"))
        let frames = Trainer.minimumFrames * 512
        try NumPyArray.write(float64: [Double](repeating: 0.5, count: frames - 1) + [2], shape: [Trainer.minimumFrames, 512], to: directory + "/wide.wav.npy")
        #expect(problem(directory + "/wide.wav").contains("frame \(Trainer.minimumFrames - 1), band 511 is 2.0; a training set holds values in [0,1]"))
        try NumPyArray.write(float64: [Double](repeating: 0.5, count: frames), shape: [Trainer.minimumFrames, 512], to: directory + "/nominmax.wav.npy")
        #expect(problem(directory + "/nominmax.wav").contains("nominmax.wav.minmax: no such file"))
        #expect(problem(directory + "/none.wav").contains("none.wav.npy: no such file"))
    }
}
