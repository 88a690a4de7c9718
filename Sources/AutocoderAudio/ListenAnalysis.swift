// A sound encoded every hop, offline, exactly as the server's /listen hears
// a file (the autocode voice's analysis; see Listener in the server): for
// `autocoder listen` and for checking the live stream against it. Any thread.

import AutocoderEngine
import AutocoderModel

public enum ListenAnalysis {
    /// One hop: the input samples heard at its end, and the encoder's values.
    public struct Hop: Sendable {
        public let time: Int
        public let latent: [Float]
        /// The hop encoded as the training frames were (with a training range),
        /// to find the nearest of them.
        public let trainingLatent: [Float]?
    }

    /// Every hop of `input` that is not silent, in order; with `trainingRange`
    /// (the .mm's minin and maxin), also encoded as the training frames were.
    public static func hops(of input: [Float], encoder: Encoder, decoder: Decoder, shape: SynthesisShape, sampleRate: Double,
                            trainingRange: (minIn: Float, maxIn: Float)? = nil) throws -> [Hop] {
        let voice = try AutocodeVoice(encoder: encoder, decoder: decoder, shape: shape, sampleRate: sampleRate)
        voice.analysesOnly = true
        voice.trainingRange = trainingRange
        let hop = shape.hop
        var unused = [Float](repeating: 0, count: hop)
        var latent = [Float](repeating: 0, count: voice.latentCount), scaled = latent, training = latent
        var hops: [Hop] = []
        var start = 0
        while start + hop <= input.count {
            input.withUnsafeBufferPointer { voice.process(input: $0.baseAddress! + start, adding: &unused, count: hop) }
            start += hop
            guard !voice.newestHopWasSilent else { continue }
            voice.newestEncoding(raw: &latent, scaled: &scaled)
            hops.append(Hop(time: start, latent: latent, trainingLatent: voice.newestTrainingEncoding(into: &training) ? training : nil))
        }
        return hops
    }
}
