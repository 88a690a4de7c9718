// The last line of defence: a NaN or infinity a voice produces never reaches
// the output; the voice is silenced and reset, the event counted, and the
// next finite frame plays again.

import AudioTestSupport
import AutocoderEngine
import AutocoderModel
import Foundation
import Testing

@Suite struct NonFiniteTests {
    /// A decoder with finite weights that overflows: two hidden units of 1e30·Σz,
    /// then ±1e30 into every band, so inf - inf = NaN for any latent above zero.
    static func overflowingVoice() throws -> LoadedModel {
        let hidden = DenseLayer(weights: [Float](repeating: 1e30, count: 2 * 8), bias: [0, 0], inputs: 8, outputs: 2)
        let output = DenseLayer(weights: (0..<512 * 2).map { $0 % 2 == 0 ? 1e30 : -1e30 }, bias: [Float](repeating: 0, count: 512),
                                inputs: 2, outputs: 512)
        let path = "overflow.dec"
        let model = try TFLiteModel(bytes: TFLiteWriter.decoder([hidden, output]), path: path)
        let metadata = try ModelMetadata(contentsOf: EngineFixture.root + "/models/drone.wav.mm")
        let decoder = try Decoder(plan: try InferencePlan(model: model, path: path), metadata: metadata, path: path)
        #expect(!decoder.decode([Float](repeating: 0.5, count: 8)).allSatisfy { $0.isFinite }, "the fixture must overflow")
        return LoadedModel(decoder: decoder, maxIn: metadata.maxIn, name: "overflow")
    }

    @Test func aModelThatOverflowsIsSilencedAndTheNextModelPlays() throws {
        let engine = EngineFixture.engine()
        _ = EngineFixture.render(engine, frames: 22050)
        try engine.setModel(try Self.overflowingVoice())
        let broken = EngineFixture.render(engine, frames: 44100)
        #expect(broken.allSatisfy { $0.isFinite })
        #expect(rms(broken[22050...]) == 0, "silent while the model gives NaN")
        #expect(engine.status.nonFiniteBlocks.load(ordering: .relaxed) > 10)

        // /reset and /stop + /play do not bring back NaN; a good model plays at once.
        engine.send(.reset)
        engine.send(.play(false))
        engine.send(.play(true))
        try engine.setModel(try LoadedModel(bundle: EngineFixture.bundle))
        let healed = EngineFixture.render(engine, frames: 44100)
        engine.collectRetired()
        #expect(healed.allSatisfy { $0.isFinite })
        #expect(rms(healed[11025...]) > 0.01, "plays again after a good model")
    }

    @Test func nonFiniteInputNeverReachesTheOutput() throws {
        let coders = GenerativeVoiceTests.coders
        let engine = EngineFixture.engine()
        engine.send(.play(false))
        let voice = try AutocodeVoice(encoder: coders.encoder!, decoder: coders.decoder!, shape: .standard, sampleRate: 44100)
        voice.play(true)
        try engine.addAutocodeVoice(id: 2, voice: voice)
        // A tone with NaN and infinity scattered through it (a misbehaving JACK client).
        let out = GenerativeVoiceTests.render(engine, frames: 88200) { i in
            i % 997 == 0 ? .nan : i % 1499 == 0 ? .infinity : 0.3 * sinf(Float(i) * 0.06)
        }
        engine.collectRetired()
        #expect(out.allSatisfy { $0.isFinite })
        #expect(rms(out[44100...]) > 0.02, "the tone still comes through")
    }

    @Test func aGranularSourceWithNaNIsSilencedNotPlayed() throws {
        let engine = EngineFixture.engine()
        engine.send(.play(false))
        let table = try DistanceTable(order: (0..<30 * 4).map { ($0 * 7 + 1) % 30 }, neighbours: 4)
        var source = (0..<30 * 1024 + 8192).map { sinf(Float($0) * 0.1) * 0.5 }
        source[5000] = .nan
        let voice = GranularVoice(source: source, sampleRate: 44100, table: table, seed: 3)
        voice.play(true, fadeSeconds: 0)
        try engine.addGranularVoice(id: 3, source: voice)
        let out = EngineFixture.render(engine, frames: 88200)
        engine.collectRetired()
        #expect(out.allSatisfy { $0.isFinite })
        #expect(rms(out[44100...]) > 0.01, "grains away from the NaN still play")
        #expect(engine.status.nonFiniteBlocks.load(ordering: .relaxed) > 0)
    }
}
