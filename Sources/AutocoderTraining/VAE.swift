// The published variational autoencoder, trained natively (SPEC §3).
//
// shallow: encoder D → 1000 relu → z_mean(E), z_log_var(E); decoder E → 1000 relu → D sigmoid.
// deep:    encoder D → 1000 → 512 → 256 → 128 → 64 → 32 → 16 (relu) → heads; decoder mirrors it.
// z = z_mean + exp(0.5 z_log_var) · 1e-6 (the published fixed epsilon).
// Loss per frame: D · BCE(x, x̂) + KL, KL = −0.5 Σ(1 + z_log_var − z_mean² − exp(z_log_var)),
// averaged over the batch; Adam as Keras has it (β 0.9/0.999, ε 1e-7); Glorot-uniform
// weights and zero biases, as Keras initialises Dense layers.
//
// Matrices are row-major; a layer's weights are [outputs, inputs] (TensorFlow
// Lite's layout), so the products go through cblas_sgemm with the right
// transposes; OpenBLAS spreads them over the cores. One thread drives a VAE.

internal import COpenBLAS
import AutocoderDSP
import AutocoderModel
import Foundation

struct TrainableLayer {
    var layer: DenseLayer
    /// ReLU after the layer (the gradient check switches it off to take kinks out of the chain).
    var relu: Bool
    // Adam moments.
    var mWeights: [Float], vWeights: [Float], mBias: [Float], vBias: [Float]
    // Gradients of the last backward pass.
    var gradWeights: [Float], gradBias: [Float]

    init(inputs: Int, outputs: Int, relu: Bool, random: inout SplitMix64) {
        let limit = (6 / Float(inputs + outputs)).squareRoot()
        let weights = (0..<inputs * outputs).map { _ in Float.random(in: -limit...limit, using: &random) }
        layer = DenseLayer(weights: weights, bias: [Float](repeating: 0, count: outputs), inputs: inputs, outputs: outputs)
        self.relu = relu
        mWeights = [Float](repeating: 0, count: weights.count)
        vWeights = mWeights
        gradWeights = mWeights
        mBias = [Float](repeating: 0, count: outputs)
        vBias = mBias
        gradBias = mBias
    }

    /// out[batch, outputs] = in · Wᵀ + b, then ReLU when the layer has it.
    func forward(_ input: [Float], batch: Int) -> [Float] {
        var out = [Float](repeating: 0, count: batch * layer.outputs)
        input.withUnsafeBufferPointer { x in
            layer.weights.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { y in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(batch), Int32(layer.outputs), Int32(layer.inputs),
                                1, x.baseAddress, Int32(layer.inputs), w.baseAddress, Int32(layer.inputs), 0, y.baseAddress, Int32(layer.outputs))
                }
            }
        }
        let n = layer.outputs
        out.withUnsafeMutableBufferPointer { y in
            layer.bias.withUnsafeBufferPointer { b in
                for row in 0..<batch {
                    let r = y.baseAddress! + row * n
                    if relu {
                        for o in 0..<n { r[o] = max(r[o] + b[o], 0) }
                    } else {
                        for o in 0..<n { r[o] += b[o] }
                    }
                }
            }
        }
        return out
    }

    /// Takes dL/d(output) (after the activation), stores dL/dW and dL/db, and
    /// returns dL/d(input). `output` is this layer's forward output (for the ReLU mask).
    mutating func backward(_ gradOutput: [Float], input: [Float], output: [Float], batch: Int) -> [Float] {
        var g = gradOutput
        if relu { for i in 0..<g.count where output[i] <= 0 { g[i] = 0 } }
        let (ins, outs) = (layer.inputs, layer.outputs)
        var gradInput = [Float](repeating: 0, count: batch * ins)
        g.withUnsafeBufferPointer { dy in
            input.withUnsafeBufferPointer { x in
                gradWeights.withUnsafeMutableBufferPointer { dw in
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(outs), Int32(ins), Int32(batch),
                                1, dy.baseAddress, Int32(outs), x.baseAddress, Int32(ins), 0, dw.baseAddress, Int32(ins))
                }
            }
            layer.weights.withUnsafeBufferPointer { w in
                gradInput.withUnsafeMutableBufferPointer { dx in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(batch), Int32(ins), Int32(outs),
                                1, dy.baseAddress, Int32(outs), w.baseAddress, Int32(ins), 0, dx.baseAddress, Int32(ins))
                }
            }
        }
        for o in 0..<outs { gradBias[o] = 0 }
        for row in 0..<batch { for o in 0..<outs { gradBias[o] += g[row * outs + o] } }
        return gradInput
    }

    mutating func adam(learningRate: Float, step: Int) {
        let (beta1, beta2, epsilon): (Float, Float, Float) = (0.9, 0.999, 1e-7)
        let rate = learningRate * (1 - pow(beta2, Float(step))).squareRoot() / (1 - pow(beta1, Float(step)))
        // Pointer loops: millions of parameters per step, so no bounds checks, and vectorisable.
        func update(_ w: inout [Float], _ m: inout [Float], _ v: inout [Float], _ g: [Float]) {
            let count = w.count
            w.withUnsafeMutableBufferPointer { w in
                m.withUnsafeMutableBufferPointer { m in
                    v.withUnsafeMutableBufferPointer { v in
                        g.withUnsafeBufferPointer { g in
                            for i in 0..<count {
                                let gi = g[i]
                                let mi = beta1 * m[i] + (1 - beta1) * gi
                                let vi = beta2 * v[i] + (1 - beta2) * gi * gi
                                m[i] = mi
                                v[i] = vi
                                w[i] -= rate * mi / (vi.squareRoot() + epsilon)
                            }
                        }
                    }
                }
            }
        }
        update(&layer.weights, &mWeights, &vWeights, gradWeights)
        update(&layer.bias, &mBias, &vBias, gradBias)
    }
}

/// Architecture of the published models.
public struct VAEShape: Sendable, Equatable {
    public let inputDim: Int
    public let intermediateDim: Int
    public let encodedDim: Int
    public let deep: Bool

    public init(inputDim: Int = 512, intermediateDim: Int = 1000, encodedDim: Int = 8, deep: Bool = false) {
        self.inputDim = inputDim
        self.intermediateDim = intermediateDim
        self.encodedDim = encodedDim
        self.deep = deep
    }

    /// Widths from the input to the last hidden encoder layer.
    var encoderWidths: [Int] { [inputDim, intermediateDim] + (deep ? [512, 256, 128, 64, 32, 16] : []) }
}

struct VAE {
    let shape: VAEShape
    var encoder: [TrainableLayer]
    var zMean: TrainableLayer
    var zLogVar: TrainableLayer
    var decoder: [TrainableLayer]
    private var step = 0

    init(shape: VAEShape, seed: UInt64) {
        self.shape = shape
        var random = SplitMix64(seed: seed)
        let widths = shape.encoderWidths
        encoder = (0..<widths.count - 1).map { TrainableLayer(inputs: widths[$0], outputs: widths[$0 + 1], relu: true, random: &random) }
        zMean = TrainableLayer(inputs: widths.last!, outputs: shape.encodedDim, relu: false, random: &random)
        zLogVar = TrainableLayer(inputs: widths.last!, outputs: shape.encodedDim, relu: false, random: &random)
        let back = [shape.encodedDim] + widths.dropFirst().reversed()
        decoder = (0..<back.count - 1).map { TrainableLayer(inputs: back[$0], outputs: back[$0 + 1], relu: true, random: &random) }
            + [TrainableLayer(inputs: back.last!, outputs: shape.inputDim, relu: false, random: &random)]
    }

    /// z_mean for `rows` frames.
    func encode(_ x: [Float], rows: Int) -> [Float] {
        var a = x
        for layer in encoder { a = layer.forward(a, batch: rows) }
        return zMean.forward(a, batch: rows)
    }

    /// Mean loss of the batch; with `learn`, one Adam step on its gradients.
    mutating func step(_ x: [Float], rows: Int, learningRate: Float, learn: Bool) -> Double {
        var activations = [x]
        for layer in encoder { activations.append(layer.forward(activations.last!, batch: rows)) }
        let hidden = activations.last!
        let mu = zMean.forward(hidden, batch: rows)
        let logVar = zLogVar.forward(hidden, batch: rows)
        let z = (0..<mu.count).map { mu[$0] + exp(0.5 * logVar[$0]) * 1e-6 }
        var decoded = [z]
        for layer in decoder { decoded.append(layer.forward(decoded.last!, batch: rows)) }
        let logits = decoded.last!

        var loss = 0.0
        var gradLogits = [Float](repeating: 0, count: logits.count)
        let scale = 1 / Float(rows)
        for i in 0..<logits.count {
            let p = 1 / (1 + exp(-logits[i]))
            let clipped = min(max(p, 1e-7), 1 - 1e-7)
            let target = x[i]
            loss -= Double(target * log(clipped) + (1 - target) * log(1 - clipped))
            gradLogits[i] = (p - target) * scale
        }
        for i in 0..<mu.count {
            loss -= 0.5 * Double(1 + logVar[i] - mu[i] * mu[i] - exp(logVar[i]))
        }
        loss /= Double(rows)
        guard learn else { return loss }

        var g = gradLogits
        for k in decoder.indices.reversed() {
            g = decoder[k].backward(g, input: decoded[k], output: decoded[k + 1], batch: rows)
        }
        // g is dL/dz; z depends on both heads; KL adds its own terms.
        var gradMu = [Float](repeating: 0, count: mu.count), gradLogVar = gradMu
        for i in 0..<mu.count {
            gradMu[i] = g[i] + mu[i] * scale
            gradLogVar[i] = g[i] * 0.5 * exp(0.5 * logVar[i]) * 1e-6 + 0.5 * (exp(logVar[i]) - 1) * scale
        }
        let fromMu = zMean.backward(gradMu, input: hidden, output: mu, batch: rows)
        let fromLogVar = zLogVar.backward(gradLogVar, input: hidden, output: logVar, batch: rows)
        g = zip(fromMu, fromLogVar).map(+)
        for k in encoder.indices.reversed() {
            g = encoder[k].backward(g, input: activations[k], output: activations[k + 1], batch: rows)
        }
        self.step += 1
        for k in encoder.indices { encoder[k].adam(learningRate: learningRate, step: self.step) }
        zMean.adam(learningRate: learningRate, step: self.step)
        zLogVar.adam(learningRate: learningRate, step: self.step)
        for k in decoder.indices { decoder[k].adam(learningRate: learningRate, step: self.step) }
        return loss
    }

    /// The TensorFlow Lite files of this VAE.
    var decoderFile: [UInt8] { TFLiteWriter.decoder(decoder.map(\.layer)) }
    var encoderFile: [UInt8] { TFLiteWriter.encoder(hidden: encoder.map(\.layer), zMean: zMean.layer, zLogVar: zLogVar.layer) }
}
