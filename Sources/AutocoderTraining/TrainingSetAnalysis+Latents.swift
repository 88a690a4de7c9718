// `encode-sound --analysis training`: a sound's latent values as the model
// saw its training set — per hop the unnormalised training frame centred on
// the hop's time (MelAnalysis), scaled by the model's own ANCHOR.minmax and
// encoded with the .mm scaling (what `encode-set` computes for the training
// frames, at every hop). Frames keep their level, so a rendering follows the
// sound's loudness as well as its colour. Any thread; allocates.

import AutocoderDSP
import AutocoderModel
import Foundation

extension TrainingSetAnalysis {
    /// (minIn, maxIn) of ANCHOR.minmax, the range `analyze` scaled the training set by.
    public static func minMax(anchor: String) throws -> (minIn: Double, maxIn: Double) {
        let path = anchor + ".minmax"
        let text = String(decoding: try ModelFileError.contents(of: path, maximumSize: 4096), as: UTF8.self)
        let fields = text.split(whereSeparator: { $0 == "," || $0.isWhitespace }).compactMap { Double($0) }
        guard fields.count == 2, fields[0].isFinite, fields[1].isFinite, fields[1] > fields[0] else {
            throw ModelFileError(path: path, problem: "is not 'minin, maxin' (two finite numbers, the second larger): \(text.prefix(80))")
        }
        return (fields[0], fields[1])
    }

    /// One row per hop: `row(time, latent)` for times 0, hop, 2 × hop … <
    /// samples.count (44.1 kHz), each the encoding of the training frame
    /// centred there (silence beyond the sound's ends). At times i × 1024 + 8192
    /// the frame is `analyze`'s frame i, so the row equals ANCHOR.enc.npy's row i.
    public static func latents(of samples: [Float], encoder: Encoder, minIn: Double, maxIn: Double, hop: Int,
                               row: (_ time: Int, _ latent: UnsafeBufferPointer<Float>) throws -> Void) throws {
        let analysis = MelAnalysis(melCount: encoder.inputCount)
        let half = analysis.size / 2
        let padded = [Float](repeating: 0, count: half) + samples + [Float](repeating: 0, count: half)
        let mels = encoder.inputCount, block = 256
        var frames = [Float](repeating: 0, count: block * mels)
        let scale = Float(1 / (maxIn - minIn)), low = Float(minIn)
        var time = 0
        while time < samples.count {
            let count = min(block, (samples.count - time + hop - 1) / hop)
            padded.withUnsafeBufferPointer { source in
                frames.withUnsafeMutableBufferPointer { out in
                    for r in 0..<count {
                        let mel = out.baseAddress! + r * mels
                        _ = analysis.analyze(frame: source.baseAddress! + time + r * hop, normalized: false, into: mel)
                        for j in 0..<mels { mel[j] = (mel[j] - low) * scale }
                    }
                }
            }
            let latent = encoder.encode(batch: Array(frames[0..<count * mels]))
            try latent.withUnsafeBufferPointer { values in
                for r in 0..<count {
                    try row(time + r * hop, UnsafeBufferPointer(rebasing: values[r * encoder.latentCount..<(r + 1) * encoder.latentCount]))
                }
            }
            time += count * hop
        }
    }
}
