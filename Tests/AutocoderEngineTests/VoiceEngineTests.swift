// The engine as a mixer of voices: 16 generative voices at their own latent
// points over 4 channels, each channel exactly the voices routed to it (the
// same voices rendered without the others give the same samples) and their
// spectrum; pan moves a voice between two channels with equal power; voices
// come, are re-routed, get other models and go while another plays on without
// a dropout; voices that share a decoder decode together exactly as alone;
// bad IDs and a full engine are refused.

import AudioTestSupport
import AutocoderDSP
import AutocoderEngine
import AutocoderModel
import Foundation
import Testing

enum VoiceFixture {
    static let anchors = ["/models/drone.wav", "/Tests/Fixtures/models/new-full-shallow", "/Tests/Fixtures/models/new-tiny-deep",
                          "/Tests/Fixtures/models/new-full-deep"].map { EngineFixture.root + $0 }
    static let bundles = anchors.map { try! ModelBundle(anchor: $0, parts: [.decoder]) }
    /// Model `k` for one engine: a model's working memory is its engine's (tests run side by side).
    static func model(_ k: Int) -> LoadedModel { try! LoadedModel(bundle: bundles[k]) }

    /// A four-channel engine whose voice 1 is silent.
    static func engine(channels: Int = 4, maxVoices: Int = 32) -> SynthesisEngine {
        return SynthesisEngine(model: model(0), channels: channels, seed: 5, walking: false,
                               playing: false, tapSeconds: 0.1, maxVoices: maxVoices)
    }

    /// Voice `id` (2…17): model (id − 2) / 4, on channel that + 1, at its own
    /// latent point, at level 0.25 (four of them stay below the limiter's ceiling).
    static func add(_ id: Int, to engine: SynthesisEngine) throws {
        let channel = (id - 2) / 4
        try engine.addGenerativeVoice(id: id, model: model(channel), walking: false, level: 0.25, out: channel + 1)
        engine.send(.latent(LatentVector((0..<8).map { Float((id * 37 + $0 * 11) % 100) / 100 })), to: id)
        engine.send(.parameter(.glide, 0), to: id)
    }

    static func channel(_ frames: [Float], _ c: Int, of channels: Int) -> [Float] {
        stride(from: c, to: frames.count, by: channels).map { frames[$0] }
    }
}

@Suite struct VoiceEngineTests {
    @Test func sixteenVoicesOverFourChannelsEachChannelIsItsVoicesAndNoOther() throws {
        let engine = VoiceFixture.engine()
        for id in 2...17 { try VoiceFixture.add(id, to: engine) }
        let all = EngineFixture.render(engine, frames: 3 * 44100)
        #expect(engine.status.limitedSamples.load(ordering: .relaxed) == 0)
        var spectra: [[Double]] = []
        for c in 0..<4 {
            // The same four voices without the twelve others: the same samples.
            let alone = VoiceFixture.engine()
            for id in (2 + 4 * c)...(5 + 4 * c) { try VoiceFixture.add(id, to: alone) }
            let reference = EngineFixture.render(alone, frames: 3 * 44100)
            let heard = VoiceFixture.channel(all, c, of: 4), expected = VoiceFixture.channel(reference, c, of: 4)
            let worst = zip(heard, expected).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-5 * max(1, expected.map(abs).max()!), "channel \(c + 1): differs by \(worst)")
            #expect(rms(heard) > 0.005, "channel \(c + 1) plays")
            for other in 0..<4 where other != c {
                #expect(VoiceFixture.channel(reference, other, of: 4).allSatisfy { $0 == 0 }, "its voices reach only channel \(c + 1)")
            }
            spectra.append(powerSpectrum(Array(heard[8192...])).map { log10($0 + 1e-12) })
        }
        // Each channel has its own model's colour: most like itself, unlike the others.
        for c in 0..<4 {
            for other in 0..<4 where other != c {
                let own = pearson(Array(spectra[c][10..<1500]), Array(spectra[c][10..<1500]))
                let cross = pearson(Array(spectra[c][10..<1500]), Array(spectra[other][10..<1500]))
                #expect(cross < own - 0.02, "channel \(c + 1) against \(other + 1): \(cross)")
            }
        }
    }

    @Test func panMovesAVoiceBetweenTwoChannelsWithEqualPower() throws {
        var powers: [[Double]] = []
        for pan: Float in [-1, -0.5, 0, 0.25, 0.5, 0.75, 1] {
            let engine = VoiceFixture.engine()
            try engine.addGenerativeVoice(id: 2, model: VoiceFixture.model(1), walking: false, out: 2, pan: pan)
            let sound = Array(EngineFixture.render(engine, frames: 2 * 44100)[(44100 * 4)...])
            let power = (0..<4).map { c in Double(rms(VoiceFixture.channel(sound, c, of: 4))).squared }
            powers.append(power)
            let angle = Double(abs(pan)) * .pi / 2
            let towards = pan >= 0 ? 2 : 0
            let total = power.reduce(0, +)
            #expect(abs(power[1] / total - cos(angle) * cos(angle)) < 0.01, "pan \(pan): channel 2 has \(power[1] / total)")
            #expect(abs(power[towards] / total - sin(angle) * sin(angle)) < 0.01 || pan == 0, "pan \(pan)")
            #expect(power[3] == 0, "pan \(pan): nothing on channel 4")
        }
        let totals = powers.map { 10 * log10($0.reduce(0, +)) }
        #expect(totals.max()! - totals.min()! < 0.3, "equal power: \(totals)")
    }

    @Test func voicesComeAndGoWhileAnotherPlaysOnWithoutADropout() throws {
        // Voice 2 walks on channel 1 while others are added, re-routed, levelled,
        // given other models and freed on channels 2 and 3: channel 1 is sample for
        // sample what voice 2 plays with nothing else going on.
        func engineWithVoice2() throws -> SynthesisEngine {
            let engine = VoiceFixture.engine(channels: 3)
            try engine.addGenerativeVoice(id: 2, model: VoiceFixture.model(0), out: 1)
            return engine
        }
        let engine = try engineWithVoice2()
        var heard = VoiceFixture.channel(EngineFixture.render(engine, frames: 22050), 0, of: 3)
        var others: [Float] = []
        for round in 0..<6 {
            switch round {
            case 0: try engine.addGenerativeVoice(id: 3, model: VoiceFixture.model(1), out: 2)
            case 1: engine.send(.route(out: 2, pan: 0.5), to: 3); engine.send(.level(2), to: 3)
            case 2: try engine.setModel(VoiceFixture.model(3), voice: 3)
            case 3: try engine.addGenerativeVoice(id: 4, model: VoiceFixture.model(2), out: 2)
            case 4: try engine.freeVoice(3)
            default: try engine.freeVoice(4)
            }
            let block = EngineFixture.render(engine, frames: 11025)
            heard += VoiceFixture.channel(block, 0, of: 3)
            others += VoiceFixture.channel(block, 1, of: 3)
            engine.collectRetired()
        }
        #expect(Set(engine.takeFreedVoices()) == [3, 4])
        #expect(engine.voices.keys.sorted() == [1, 2])
        let reference = VoiceFixture.channel(EngineFixture.render(try engineWithVoice2(), frames: 22050 + 6 * 11025), 0, of: 3)
        #expect(zip(heard, reference).map { abs($0 - $1) }.max()! < 1e-6, "voice 2 plays on undisturbed")
        #expect(rms(heard) > 0.001)
        // The others were heard, and no 10 ms window of theirs is a hole until they are freed.
        let windows = stride(from: 0, to: 4 * 11025 - 441, by: 441).map { rms(others[$0..<$0 + 441]) }
        #expect(windows.dropFirst(10).allSatisfy { $0 > 1e-4 }, "no dropout on channel 2 while voices change")
        // Freed voices fade out to exact silence.
        let after = EngineFixture.render(engine, frames: 8192)
        #expect(VoiceFixture.channel(after, 1, of: 3).allSatisfy { $0 == 0 })
    }

    @Test func voicesThatShareADecoderSoundAsTheyDoAlone() throws {
        // Eight voices of one model are decoded together; each alone, by itself.
        let together = VoiceFixture.engine(channels: 8)
        for id in 2...9 { try together.addGenerativeVoice(id: id, model: VoiceFixture.model(1), walking: true, out: id - 1) }
        let mixed = EngineFixture.render(together, frames: 44100, block: 256)
        for id in [2, 5, 9] {
            let alone = VoiceFixture.engine(channels: 8)
            try alone.addGenerativeVoice(id: id, model: VoiceFixture.model(1), walking: true, out: id - 1)
            let reference = EngineFixture.render(alone, frames: 44100, block: 256)
            let heard = VoiceFixture.channel(mixed, id - 2, of: 8), expected = VoiceFixture.channel(reference, id - 2, of: 8)
            let worst = zip(heard, expected).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-5, "voice \(id): \(worst)")
            #expect(rms(heard) > 0.001)
        }
    }

    @Test func voicesAddedWhilePlayingSpreadTheirHopsAlsoAfterAReshape() throws {
        // At block 256 and hop 512, eight voices added while the engine plays
        // synthesise four hops in one render call and four in the next, not
        // eight and none; a reshape keeps it so.
        let engine = VoiceFixture.engine(channels: 2)
        _ = EngineFixture.render(engine, frames: 256)
        for id in 2...9 { try engine.addGenerativeVoice(id: id, model: VoiceFixture.model(1)) }
        func hopsPerCall() -> [Int] {
            (0..<16).map { _ in
                let before = engine.status.hops.load(ordering: .relaxed)
                _ = EngineFixture.render(engine, frames: 256)
                return engine.status.hops.load(ordering: .relaxed) - before
            }
        }
        _ = EngineFixture.render(engine, frames: 4096)
        let steady = hopsPerCall()
        #expect(steady.allSatisfy { $0 == 4 }, "hops per render call: \(steady)")
        engine.reshape(try SynthesisShape.validated(fftSize: 2048, hop: 512).get())
        _ = EngineFixture.render(engine, frames: 8192)
        let reshaped = hopsPerCall()
        #expect(reshaped.allSatisfy { $0 == 4 }, "after a reshape: \(reshaped)")
    }

    @Test func badIDsAndAFullEngineAreRefused() throws {
        let engine = VoiceFixture.engine(maxVoices: 3)
        #expect(throws: VoiceError.idInUse(1)) { try engine.addGenerativeVoice(id: 1, model: VoiceFixture.model(0)) }
        #expect(throws: VoiceError.idOutOfRange(0)) { try engine.addGranularVoice(id: 0, source: nil) }
        #expect(throws: VoiceError.idOutOfRange(SynthesisEngine.maxID + 1)) { try engine.addAutocodeVoice(id: SynthesisEngine.maxID + 1, voice: nil) }
        #expect(throws: VoiceError.noSuchVoice(7)) { try engine.freeVoice(7) }
        try engine.addGranularVoice(id: 2, source: nil)
        #expect(throws: VoiceError.wrongKind(2, .granular)) { try engine.setModel(VoiceFixture.model(1), voice: 2) }
        for id in 3...(engine.maxVoices) { try engine.addAutocodeVoice(id: id, voice: nil) }
        #expect(throws: VoiceError.full(engine.maxVoices)) { try engine.addAutocodeVoice(id: 100, voice: nil) }
    }
}

extension Double {
    fileprivate var squared: Double { self * self }
}
