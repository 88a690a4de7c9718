// A voice's morph to a remembered state, judged on the render thread's own
// figures: the latent targets it publishes hop by hop, and the level it
// glides, read from its output against the same voice left alone.

import AudioTestSupport
import AutocoderEngine
import AutocoderModel
import Foundation
import Testing

@Suite struct MorphTests {
    static let hop = SynthesisShape.standard.hop

    static func morph(to latent: Float, level: Float = 1, hops: Int, curve: MorphCurve = .linear, controls: [(EngineParameter, Float)] = [],
                      walking: Bool = false) -> Morph {
        Morph(latent: LatentVector([Float](repeating: latent, count: 8)), controls: controls, walking: walking, level: level,
              frames: hops * hop, curve: curve, serial: 7)
    }

    /// The targets of voice 1 after each of `hops` hops (one render call of a hop each).
    static func targetsPerHop(_ engine: SynthesisEngine, hops: Int) -> [[Float]] {
        (0..<hops).map { _ in
            _ = EngineFixture.render(engine, frames: hop, block: hop)
            return engine.voices[1]!.status!.targets(count: 8)
        }
    }

    @Test func linearMorphIsMonotoneAndLandsExactlyAtItsEndFrame() {
        let engine = EngineFixture.engine()
        engine.send(.parameter(.glide, 0))
        engine.send(.latent(LatentVector([Float](repeating: 0.2, count: 8))))
        _ = EngineFixture.render(engine, frames: 4 * Self.hop, block: Self.hop)
        let end = Float(0.8)
        engine.send(.morph(Self.morph(to: end, hops: 20)))
        let path = Self.targetsPerHop(engine, hops: 24)
        let status = engine.voices[1]!.status!
        for d in 0..<8 {
            let values = path.map { $0[d] }
            for k in 1..<values.count { #expect(values[k] >= values[k - 1], "dimension \(d) never moves back (hop \(k))") }
            #expect(values[18] < end, "still on the way a hop before the end")
            #expect(values[19] == end, "exactly there after 20 hops (its end frame)")
            #expect(values[20...].allSatisfy { $0 == end }, "and stays")
            #expect(abs(values[9] - (0.2 + 0.6 * 0.5)) < 1e-5, "halfway in time, halfway there")
        }
        // With the glide at 0 the sounding values are the targets.
        #expect(status.latent(count: 8).allSatisfy { $0 == end })
        #expect(status.lastEndedMorph == 7)
    }

    @Test func easeStartsAndEndsSlowlyAndACommandTakesItsDimensionOut() {
        let engine = EngineFixture.engine()
        engine.send(.latent(LatentVector([Float](repeating: 0, count: 8))))
        _ = EngineFixture.render(engine, frames: Self.hop, block: Self.hop)
        engine.send(.morph(Self.morph(to: 1, hops: 10, curve: .ease)))
        var path = Self.targetsPerHop(engine, hops: 2)
        engine.send(.latentDimension(index: 3, value: 0.25))
        path += Self.targetsPerHop(engine, hops: 10)
        let first = path.map { $0[0] }
        #expect(abs(first[0] - 0.028) < 1e-6, "smoothstep(0.1) = 0.028")
        #expect(abs(first[4] - 0.5) < 1e-6, "smoothstep(0.5) = 0.5")
        #expect(first[1] - first[0] < first[5] - first[4], "slower at the start than in the middle")
        #expect(first[9] == 1)
        #expect(path[2...].allSatisfy { $0[3] == 0.25 }, "the dimension set during the morph stays where it was set")
    }

    @Test func walkTurnsOffAtTheStartAndOnAtTheEnd() {
        let engine = EngineFixture.engine(walking: true)
        _ = EngineFixture.render(engine, frames: Self.hop, block: Self.hop)
        let status = engine.voices[1]!.status!
        engine.send(.morph(Self.morph(to: 0.5, hops: 1)))
        _ = EngineFixture.render(engine, frames: Self.hop, block: Self.hop)
        #expect(!status.isWalking)
        #expect(status.targets(count: 8).allSatisfy { $0 == 0.5 })
        engine.send(.morph(Self.morph(to: 0.5, hops: 4, walking: true)))
        _ = EngineFixture.render(engine, frames: 2 * Self.hop, block: Self.hop)
        #expect(!status.isWalking, "still gliding: no walk yet")
        #expect(status.targets(count: 8).allSatisfy { $0 == 0.5 }, "no walk step moved the targets")
        _ = EngineFixture.render(engine, frames: 2 * Self.hop, block: Self.hop)
        #expect(status.isWalking, "walking from the end on")
    }

    @Test func levelGlidesSampleBySampleToItsEnd() {
        // Two engines alike but for a morph of the level alone (the latent and
        // controls morph to where they are): the ratio of their samples is the level.
        let frames = 16 * Self.hop
        let alone = EngineFixture.engine(), morphed = EngineFixture.engine()
        for engine in [alone, morphed] { engine.send(.latent(LatentVector([Float](repeating: 0.5, count: 8)))) }
        _ = EngineFixture.render(alone, frames: 4410)
        _ = EngineFixture.render(morphed, frames: 4410)
        morphed.send(.morph(Self.morph(to: 0.5, level: 0.5, hops: 16, controls: [(.brightness, 0)])))
        let plain = EngineFixture.render(alone, frames: frames + 4096)
        let glided = EngineFixture.render(morphed, frames: frames + 4096)
        let latency = morphed.outputLatency
        var ratios: [(frame: Int, ratio: Float)] = []
        for i in 0..<plain.count where abs(plain[i]) > 1e-3 { ratios.append((i - latency, glided[i] / plain[i])) }
        let during = ratios.filter { $0.frame > 0 && $0.frame < frames }
        #expect(during.count > 1000)
        for k in 1..<during.count { #expect(during[k].ratio <= during[k - 1].ratio + 1e-4, "the level only falls") }
        for (frame, ratio) in during { #expect(abs(ratio - (1 - 0.5 * Float(frame) / Float(frames))) < 2e-3, "linear in the sample: \(frame)") }
        #expect(ratios.filter { $0.frame >= frames }.allSatisfy { abs($0.ratio - 0.5) < 1e-4 }, "at 0.5 from its end frame on")
    }
}
