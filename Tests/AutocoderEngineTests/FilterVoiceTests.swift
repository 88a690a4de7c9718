// The filter voice offline (FilterRender, the engine the server plays): white
// noise through a flattened input takes the model's spectrum; a real
// recording keeps its loudness envelope, and its own colour more with the
// whitening at 1 than at 0.05, the model's more at 0.05; a burst leaves a
// tail that lasts, stays bounded and changes colour as the latent walks, and
// without a tail the output is exactly silent soon after the input ends;
// whatever the model, the recirculating tail never runs away; a voice taking
// another's output hears it exactly one chunk later, whichever was made first.

import AudioTestSupport
import AutocoderAudio
import AutocoderDSP
import AutocoderEngine
import AutocoderModel
import Foundation
import Testing

enum FilterFixture {
    static let bundle = try! ModelBundle(anchor: EngineFixture.root + "/models/drone.wav", parts: [.decoder])
    static let latent: [Float] = [0.3, 0.7, 0.5, 0.2, 0.8, 0.4, 0.6, 0.5]

    /// `input` through a filter voice of `bundle`'s model with `settings`, the
    /// latent held at `latent` unless `walking`.
    static func filtered(_ input: [Float], _ settings: [(EngineParameter, Float)] = [], bundle: ModelBundle = bundle,
                         walking: Bool = false, tailSeconds: Double = 10) throws -> [Float] {
        let engine = SynthesisEngine(model: try LoadedModel(bundle: bundle), channels: 1, seed: 3, walking: false, playing: false,
                                     tapSeconds: 0.1)
        try engine.addGenerativeVoice(id: 2, model: try LoadedModel(bundle: bundle), walking: walking, filter: .device)
        if !walking {
            engine.send(.latent(LatentVector(latent)), to: 2)
            engine.send(.parameter(.glide, 0), to: 2)
        }
        for (parameter, value) in settings { engine.send(.parameter(parameter, value), to: 2) }
        return FilterRender.render(engine, input: input, tailSeconds: tailSeconds)
    }

    /// The model's own sound at `latent` (a generative voice held there).
    static func modelSound(seconds: Double = 4) throws -> [Float] {
        let engine = SynthesisEngine(model: try LoadedModel(bundle: bundle), channels: 1, seed: 3, walking: false, tapSeconds: 0.1)
        engine.send(.latent(LatentVector(latent)))
        engine.send(.parameter(.glide, 0))
        var out = [Float](repeating: 0, count: Int(seconds * 44100))
        out.withUnsafeMutableBufferPointer { engine.render($0.baseAddress!, frames: $0.count) }
        return Array(out[22050...])
    }

    static func noise(seconds: Double, level: Float = 0.3, seed: UInt64 = 9) -> [Float] {
        var random = SplitMix64(seed: seed)
        return (0..<Int(seconds * 44100)).map { _ in (Float(random.next() >> 40) / Float(1 << 24) * 2 - 1) * level }
    }

    /// Log power spectrum (frames of `size`) between 100 Hz and 8 kHz.
    static func logSpectrum(_ x: [Float], size: Int = 2048) -> [Double] {
        let power = powerSpectrum(x, size: size)
        return power.indices.filter { (100...8000).contains(Double($0) * 44100 / Double(size)) }.map { log(power[$0] + 1e-20) }
    }

    /// RMS in dB of consecutive frames of `frame` samples.
    static func envelope(_ x: [Float], frame: Int = 2205) -> [Double] {
        stride(from: 0, to: x.count - frame + 1, by: frame).map { max(decibels(rms(x[$0..<$0 + frame])), -100) }
    }
}

@Suite struct FilterVoiceTests {
    @Test func flattenedNoiseTakesTheModelsSpectrum() throws {
        let out = try FilterFixture.filtered(FilterFixture.noise(seconds: 5), [(.whitening, 0.001)])
        let model = try FilterFixture.modelSound()
        let correlation = pearson(FilterFixture.logSpectrum(Array(out[22050..<(5 * 44100)])), FilterFixture.logSpectrum(model))
        print("filter: white noise at w = 0.001 against the model's spectrum: log-spectrum correlation \(correlation)")
        #expect(correlation > 0.85)
    }

    @Test func aRecordingKeepsItsDynamicsAndTheWhiteningSetsWhoseColourWins() throws {
        let input = try AudioLoader.loadMono(EngineFixture.root + "/Tests/Fixtures/sounds/alarm-clock-elapsed.oga", sampleRate: 44100)
        let model = FilterFixture.logSpectrum(try FilterFixture.modelSound())
        let own = FilterFixture.logSpectrum(input)
        var colour: [Float: (input: Double, model: Double)] = [:]
        for whitening: Float in [1, 0.05] {
            let out = try FilterFixture.filtered(input, [(.whitening, whitening)])
            // The filtered sound lags its input by one FFT (and the limiter's look-ahead).
            let lag = 4096 + 88
            let aligned = Array(out[lag..<(lag + input.count)])
            let envelope = pearson(FilterFixture.envelope(aligned), FilterFixture.envelope(input))
            let heard = FilterFixture.logSpectrum(aligned)
            colour[whitening] = (pearson(heard, own), pearson(heard, model))
            print("filter: alarm clock at w = \(whitening): envelope correlation \(envelope), colour vs input \(colour[whitening]!.input), vs model \(colour[whitening]!.model)")
            #expect(envelope > 0.8)
        }
        #expect(colour[1]!.input > colour[0.05]!.input)
        #expect(colour[0.05]!.model > colour[1]!.model)
    }

    @Test func aBurstLeavesALastingBoundedTailThatMovesWithTheLatent() throws {
        let burst = FilterFixture.noise(seconds: 0.5) + [Float](repeating: 0, count: 3 * 44100)
        let rate = 44100.0
        func window(_ x: [Float], _ from: Double, _ seconds: Double) -> [Float] { Array(x[Int(from * rate)..<Int((from + seconds) * rate)]) }
        let walking = try FilterFixture.filtered(burst, [(.tail, 0.9), (.predelay, 0.05)], walking: true)
        let held = try FilterFixture.filtered(burst, [(.tail, 0.9), (.predelay, 0.05)])
        for out in [walking, held] {
            #expect(out.allSatisfy { $0.isFinite })
            #expect(out.map(abs).max()! < 0.9)   // the limiter's ceiling, −1 dBFS
            let during = rms(window(out, 0.15, 0.4)), later = rms(window(out, 1.5, 0.1))
            print("filter: tail 0.9, 1 s after the burst: \(decibels(later) - decibels(during)) dB")
            #expect(decibels(later) - decibels(during) > -40)
        }
        // Colour change over the tail: 1 − correlation of log spectra half a second apart.
        func drift(_ x: [Float]) -> Double {
            (0..<3).map { k in
                let t = 1.0 + 0.5 * Double(k)
                return 1 - pearson(FilterFixture.logSpectrum(window(x, t, 0.5)), FilterFixture.logSpectrum(window(x, t + 0.5, 0.5)))
            }.reduce(0, +) / 3
        }
        print("filter: tail colour drift walking \(drift(walking)), held \(drift(held))")
        #expect(drift(walking) > 2 * drift(held))

        let dry = try FilterFixture.filtered(burst, [(.tail, 0)])
        let silentFrom = Int(0.8 * rate)
        #expect(dry[silentFrom...].allSatisfy { $0 == 0 })
        #expect(rms(window(dry, 0.15, 0.3)) > 0.01)
    }

    @Test(arguments: ["/models/drone.wav", "/Tests/Fixtures/models/new-tiny-deep", "/Tests/Fixtures/models/fft-tf28-generic-shallow"])
    func theTailNeverRunsAway(anchor: String) throws {
        let bundle = try ModelBundle(anchor: EngineFixture.root + anchor, parts: ModelBundle.parts(of: EngineFixture.root + anchor))
        let input = FilterFixture.noise(seconds: 6, level: 0.01)
        let out = try FilterFixture.filtered(input, [(.tail, 0.99), (.predelay, 0), (.whitening, 0.001)], bundle: bundle, walking: true,
                                             tailSeconds: 2)
        #expect(out.allSatisfy { $0.isFinite })
        // Energy bound: the recirculating signal stays below the input's / (1 − g)².
        let gain = decibels(rms(Array(out[(2 * 44100)..<(6 * 44100)]))) - decibels(rms(input))
        print("filter: tail 0.99 on \(anchor): output \(gain) dB over its input")
        #expect(gain < 40)
    }

    @Test(arguments: [false, true])
    func aVoiceHearsAnothersOutputOneChunkLater(filterFirst: Bool) throws {
        let engine = SynthesisEngine(model: try LoadedModel(bundle: FilterFixture.bundle), channels: 2, seed: 3, walking: false,
                                     playing: false, tapSeconds: 0.1)
        func addSource() throws {
            try engine.addGenerativeVoice(id: 2, model: try LoadedModel(bundle: FilterFixture.bundle), walking: true, level: 0.3, out: 1)
        }
        if !filterFirst { try addSource() }
        // All dry: the filter voice plays its input as it is.
        try engine.addGenerativeVoice(id: 3, model: try LoadedModel(bundle: FilterFixture.bundle), level: 0.3, out: 2, filter: .silence)
        if filterFirst { try addSource() }
        try engine.setFilterInput(.voice(2), voice: 3)
        engine.send(.parameter(.mix, 0), to: 3)
        var out = [Float](repeating: 0, count: 2 * 44100 * 2)
        out.withUnsafeMutableBufferPointer { buffer in
            // Render calls of 300 frames: chunks and calls need not line up with the delay.
            for start in stride(from: 0, to: 44100 * 2, by: 300) {
                engine.render(buffer.baseAddress! + 2 * start, frames: min(300, 44100 * 2 - start))
            }
        }
        let source = VoiceFixture.channel(out, 0, of: 2), heard = VoiceFixture.channel(out, 1, of: 2)
        let delay = 1024
        let compared = (4410..<(2 * 44100)).map { abs(heard[$0] - source[$0 - delay]) }.max()!
        #expect(rms(source) > 0.001)
        #expect(compared < 1e-6, "largest difference \(compared)")
        #expect(throws: VoiceError.ownInput(3)) { try engine.setFilterInput(.voice(3), voice: 3) }
        #expect(throws: VoiceError.noSuchVoice(9)) { try engine.setFilterInput(.voice(9), voice: 3) }
        #expect(throws: VoiceError.wrongKind(2, .generative)) { try engine.setFilterInput(.device, voice: 2) }
    }
}
