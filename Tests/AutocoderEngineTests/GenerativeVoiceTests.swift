// The granular and autocode voices inside the engine: mixed with the
// generative voice, fed from the driver's input, started and stopped.

import AudioTestSupport
import AutocoderDSP
import AutocoderEngine
import AutocoderModel
import Foundation
import Testing

@Suite struct GenerativeVoiceTests {
    static let coders = try! ModelBundle(anchor: EngineFixture.root + "/models/drone.wav", parts: [.decoder, .encoder])

    /// Renders with a stereo input of `input(frame)` on both channels.
    static func render(_ engine: SynthesisEngine, frames: Int, input: (Int) -> Float) -> [Float] {
        var out = [Float](repeating: .nan, count: frames * engine.channels)
        let stereo = (0..<frames * 2).map { input($0 / 2) }
        out.withUnsafeMutableBufferPointer { buffer in
            stereo.withUnsafeBufferPointer { inputBuffer in
                for start in stride(from: 0, to: frames, by: 256) {
                    engine.render(buffer.baseAddress! + start * engine.channels, frames: min(256, frames - start),
                                  input: inputBuffer.baseAddress! + start * 2, inputChannels: 2)
                    engine.tap.discardAll()
                }
            }
        }
        return out
    }

    @Test func autocodeVoicePlaysWhatTheInputBringsAndNothingElse() throws {
        let engine = EngineFixture.engine()
        engine.send(.play(false))
        let voice = try AutocodeVoice(encoder: Self.coders.encoder!, decoder: Self.coders.decoder!, shape: .standard, sampleRate: 44100)
        voice.play(true)
        try engine.addAutocodeVoice(id: 2, voice: voice)
        // One second of silence, then one of a tone on both input channels.
        let out = Self.render(engine, frames: 88200) { $0 < 44100 ? 0 : 0.3 * sinf(Float($0) * 0.06) }
        #expect(out[4410..<44100].allSatisfy { $0 == 0 }, "silence in, silence out (after the generative voice faded)")
        #expect(rms(out[55000..<88200]) > 0.02, "the tone comes through")

        engine.send(.play(false), to: 2)
        let stopped = Self.render(engine, frames: 8820) { 0.3 * sinf(Float($0) * 0.06) }
        #expect(stopped[4410...].allSatisfy { $0 == 0 }, "stopped after its fade")
        engine.collectRetired()
    }

    @Test func granularVoiceMixesWithTheGenerativeVoice() throws {
        let engine = EngineFixture.engine()
        let alone = EngineFixture.render(engine, frames: 44100)
        let table = try DistanceTable(order: (0..<30 * 4).map { ($0 * 7 + 1) % 30 }, neighbours: 4)
        let source = (0..<30 * 1024 + 8192).map { sinf(Float($0) * 2 * .pi * 3000 / 44100) * 0.5 }
        let voice = GranularVoice(source: source, sampleRate: 44100, table: table, seed: 3)
        voice.play(true, fadeSeconds: 0)
        try engine.addGranularVoice(id: 2, source: voice)
        let mixed = EngineFixture.render(engine, frames: 44100)
        // The 3 kHz grains are added on top of the generative voice's spectrum.
        let band = 4096 * 3000 / 44100
        let before = powerSpectrum(alone)[band - 2...band + 2].reduce(0, +)
        let after = powerSpectrum(mixed)[band - 2...band + 2].reduce(0, +)
        #expect(after > 100 * before)
        #expect(rms(mixed) > rms(alone))
        #expect(engine.status.granularFrame.load(ordering: .relaxed) < 30)
        try engine.freeVoice(2)
        _ = EngineFixture.render(engine, frames: 256)
        engine.collectRetired()
    }

    @Test func granularWalkFollowsTheTable() throws {
        // With a pool of one, every next frame is the row's first entry.
        let table = try DistanceTable(order: (0..<20 * 3).map { ($0 / 3 * 3 + 5 + $0 % 3) % 20 }, neighbours: 3)
        let voice = GranularVoice(source: [Float](repeating: 0.1, count: 30000), sampleRate: 44100, table: table, start: 2)
        voice.set(.pool, 1)
        voice.recordStarts(capacity: 6)
        var out = [Float](repeating: 0, count: 6 * 512)
        voice.setGrain(length: 512, interval: 512)
        voice.play(true, fadeSeconds: 0)
        voice.render(adding: &out, count: out.count)
        var expected = [2]
        for _ in 1..<6 { expected.append(table.row(expected.last!).first!) }
        #expect(voice.startedFrames == expected)
    }
}
