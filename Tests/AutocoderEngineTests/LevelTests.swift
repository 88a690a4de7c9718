// A level you can trust: every model — the bundled one, the fixtures of every
// architecture and converter, `.fft.dec` bundles of both synthesis paths —
// held at all-0, all-1, the centre, corners and random points, plays above
// −45 dBFS RMS at gain 1, and at gain 1 and 4 no sample reaches full scale and
// none has a flat top. The same held latent plays at the same level at every
// rate and FFT size; the calibration's figure is the level heard.

import AudioTestSupport
import AutocoderDSP
import AutocoderEngine
import AutocoderModel
import Foundation
import Testing

enum LevelFixture {
    static let models = EngineFixture.root + "/Tests/Fixtures/models/"
    /// Every model a user could bring, by anchor.
    static let anchors: [String] = [EngineFixture.root + "/models/drone.wav"] + [
        "new-full-shallow", "new-full-deep", "new-tiny-shallow", "new-tiny-deep", "old-full-shallow", "old-tiny-shallow", "old-tiny-deep",
        "fft-tf25-full-shallow", "fft-tf28-full-shallow", "fft-tf215-full-shallow", "fft-tf28-full-deep", "fft-tf28-tiny-shallow",
        "fft-tf28-inv2048-shallow", "fft-tf28-generic-shallow",
    ].map { models + $0 }

    static func voice(_ anchor: String, shape: SynthesisShape = .standard, sampleRate: Double = 44100) throws -> LoadedModel {
        try LoadedModel(bundle: try ModelBundle(anchor: anchor, parts: ModelBundle.parts(of: anchor)), shape: shape, sampleRate: sampleRate)
    }

    /// The held points: all-0, all-1, centre, three corners, three random points.
    static func points(dimensions d: Int) -> [[Float]] {
        var random = SplitMix64(seed: 7)
        let corners = (0..<3).map { _ in (0..<d).map { _ in Float(random.next() & 1) } }
        let inside = (0..<3).map { _ in (0..<d).map { _ in Float(random.next() >> 40) / Float(1 << 24) } }
        return [[Float](repeating: 0, count: d), [Float](repeating: 1, count: d), [Float](repeating: 0.5, count: d)] + corners + inside
    }

    /// `seconds` of `voice` held at `latent` after 0.3 s to settle.
    static func held(_ voice: LoadedModel, latent: [Float], gain: Float = 1, shape: SynthesisShape = .standard,
                     sampleRate: Double = 44100, seconds: Double = 0.7) -> [Float] {
        let engine = SynthesisEngine(model: voice, shape: shape, sampleRate: sampleRate, channels: 1, walking: false, tapSeconds: 0.1)
        engine.send(.latent(LatentVector(latent)))
        engine.send(.parameter(.glide, 0))
        engine.send(.parameter(.gain, gain))
        let settle = Int(0.3 * sampleRate) + shape.fftSize
        return Array(EngineFixture.render(engine, frames: settle + Int(seconds * sampleRate))[settle...])
    }
}

@Suite struct LevelTests {
    @Test(arguments: LevelFixture.anchors)
    func everyModelPlaysAudiblyWithNothingAtFullScale(anchor: String) throws {
        let voice = try LevelFixture.voice(anchor)
        let name = (anchor as NSString).lastPathComponent
        var levels: [Double] = []
        for latent in LevelFixture.points(dimensions: voice.latentCount) {
            for gain: Float in [1, 4] {
                let sound = LevelFixture.held(voice, latent: latent, gain: gain, seconds: gain == 1 ? 0.7 : 0.4)
                let peak = sound.map(abs).max() ?? 0
                #expect(peak < PeakLimiter.defaultCeiling + 1e-6, "\(name) at \(latent), gain \(gain): peak \(peak)")
                #expect(flatTopSamples(sound) == 0, "\(name) at \(latent), gain \(gain): \(flatTopSamples(sound)) flat-top samples")
                if gain == 1 { levels.append(decibels(rms(sound))) }
            }
        }
        print("level of \(name) at gain 1 over \(levels.count) held points: \(String(format: "%.1f … %.1f", levels.min()!, levels.max()!)) dBFS RMS; \(voice.calibration!.summary)")
        #expect(levels.min()! > -45, "\(name): quietest point \(levels.min()!) dBFS RMS")
        #expect(levels.max()! < -10, "\(name): loudest point \(levels.max()!) dBFS RMS")
    }

    @Test func theCalibrationIsTheLevelHeard() throws {
        // The loudest of the calibration's points, rendered, plays at the reference level.
        for anchor in [LevelFixture.anchors[0], LevelFixture.models + "fft-tf28-full-deep", LevelFixture.models + "fft-tf28-generic-shallow"] {
            let voice = try LevelFixture.voice(anchor)
            let points = LevelCalibration.latentPoints(dimensions: voice.latentCount)
            let levels = points.map { decibels(rms(LevelFixture.held(voice, latent: $0, seconds: 0.2))) }
            let loudest = levels.max()!
            print("\((anchor as NSString).lastPathComponent): loudest calibration point renders at \(String(format: "%.2f", loudest)) dBFS RMS")
            #expect(abs(loudest - LevelCalibration.referenceLevel) < 0.75, "\(anchor): \(loudest)")
        }
    }

    @Test(arguments: [LevelFixture.anchors[0], LevelFixture.models + "new-full-deep", LevelFixture.models + "fft-tf28-full-shallow",
                      LevelFixture.models + "fft-tf28-generic-shallow"])
    func theSameLatentIsEquallyLoudAtEveryRateAndFFTSize(anchor: String) throws {
        // One calibration (at the reference shape), so only the kernel's normalisation is tested.
        let voice = try LevelFixture.voice(anchor)
        let latent: [Float] = Array([0.3, 0.7, 0.5, 0.2, 0.8, 0.4, 0.6, 0.5].prefix(voice.latentCount))
        let reference = decibels(rms(LevelFixture.held(voice, latent: latent, seconds: 3)))
        var report: [String] = []
        for (fft, rate) in [(4096, 48000.0), (4096, 96000.0), (4096, 192_000.0), (1024, 44100.0), (2048, 44100.0), (8192, 44100.0),
                            (16384, 44100.0), (8192, 96000.0), (16384, 192_000.0)] {
            let shape = try SynthesisShape.validated(fftSize: fft, hop: min(512, fft / 2)).get()
            let level = decibels(rms(LevelFixture.held(voice, latent: latent, shape: shape, sampleRate: rate, seconds: 3)))
            report.append(String(format: "%d@%.0fk %+.2f", fft, rate / 1000, level - reference))
            #expect(abs(level - reference) < 0.5, "\(anchor) at \(fft), \(rate) Hz: \(level) vs \(reference) dBFS")
        }
        print("\((anchor as NSString).lastPathComponent): level relative to 4096@44.1k: \(report.joined(separator: ", "))")
    }
}
