// The synthesis engine judged by its audio: determinism, level, spectrum,
// continuity at hop boundaries, response to the latent, fades and swaps.

import AudioTestSupport
import AutocoderDSP
import AutocoderEngine
import AutocoderModel
import Foundation
import Testing

enum EngineFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let bundle = try! ModelBundle(anchor: root + "/models/drone.wav", parts: [.decoder])

    static func engine(shape: SynthesisShape = .standard, seed: UInt64 = 1, walking: Bool = false, channels: Int = 1,
                       sampleRate: Double = 44100) -> SynthesisEngine {
        let voice = try! LoadedModel(bundle: bundle)
        return SynthesisEngine(model: voice, shape: shape, sampleRate: sampleRate, channels: channels, seed: seed, walking: walking, tapSeconds: 1)
    }

    /// Renders `frames` frames in blocks of `block`, as a driver would.
    static func render(_ engine: SynthesisEngine, frames: Int, block: Int = 256) -> [Float] {
        var out = [Float](repeating: .nan, count: frames * engine.channels)
        out.withUnsafeMutableBufferPointer { buffer in
            var done = 0
            while done < frames {
                let n = min(block, frames - done)
                engine.render(buffer.baseAddress! + done * engine.channels, frames: n)
                engine.tap.discardAll()
                done += n
            }
        }
        return out
    }
}

@Suite struct EngineTests {
    @Test func aRecorderThatFallsBehindCostsFramesNotTime() {
        // Nobody drains the tap: it fills, then refuses samples; the engine
        // counts the frames it could not hand over and keeps rendering.
        let voice = try! LoadedModel(bundle: EngineFixture.bundle)
        let engine = SynthesisEngine(model: voice, shape: .standard, sampleRate: 44100,
                                     channels: 2, walking: true, tapSeconds: 0.1)
        var block = [Float](repeating: 0, count: 256 * 2)
        var lastLevel: Float = 0
        for _ in 0..<200 {
            block.withUnsafeMutableBufferPointer { engine.render($0.baseAddress!, frames: 256) }
            lastLevel = rms(block)
        }
        let capacityFrames = engine.tap.capacity / 2
        #expect(engine.status.tapDroppedFrames.load(ordering: .relaxed) == 200 * 256 - capacityFrames)
        #expect(engine.status.renderedFrames.load(ordering: .relaxed) == 200 * 256)
        #expect(lastLevel > 0.01, "still playing")
    }

    @Test func sameSeedSameSoundOtherSeedOtherSound() {
        let a = EngineFixture.render(EngineFixture.engine(seed: 7, walking: true), frames: 44100)
        let b = EngineFixture.render(EngineFixture.engine(seed: 7, walking: true), frames: 44100)
        let c = EngineFixture.render(EngineFixture.engine(seed: 8, walking: true), frames: 44100)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func soundIsFiniteAudibleAndUnclipped() {
        let engine = EngineFixture.engine(walking: true)
        let x = EngineFixture.render(engine, frames: 5 * 44100)
        #expect(x.allSatisfy { $0.isFinite })
        let level = rms(x[44100...])
        #expect(level > 0.01 && level < 0.5, "RMS \(level)")
        #expect(engine.status.clippedSamples.load(ordering: .relaxed) == 0)
    }

    @Test func outputSpectrumFollowsTheDecodedSpectrum() throws {
        // With a fixed latent, the long-run output spectrum must have the shape of
        // |mel × inversion matrix × tilt|², i.e. the magnitude survives random phase.
        let engine = EngineFixture.engine()
        engine.send(.parameter(.smoothing, 0))
        let x = EngineFixture.render(engine, frames: 10 * 44100)
        let measured = powerSpectrum(Array(x[44100...]))

        let decoder = Decoder(sharing: EngineFixture.bundle.decoder!)   // its own scratch: tests run side by side
        let mel = decoder.decode([Float](repeating: 0.5, count: 8)).map { $0 * Float(EngineFixture.bundle.metadata.maxIn) / 32 }
        let bank = MelFilterbank(fftSize: 4096)
        var spectrum = [Float](repeating: 0, count: 2048)
        bank.melToSpectrum(mel, &spectrum)
        let expected = spectrum.enumerated().map { k, m -> Double in
            k == 0 ? 0 : pow(Double(min(m, 10000)) * pow(Double(k) / 2048, 0.1) * 10, 2)
        }
        // Compare in dB over bins with energy, 50 Hz .. 16 kHz.
        var a: [Double] = [], b: [Double] = []
        for k in 5..<1486 where expected[k] > 1e-9 * (expected.max() ?? 1) {
            a.append(10 * log10(measured[k] + 1e-30))
            b.append(10 * log10(expected[k]))
        }
        let correlation = pearson(a, b)
        #expect(correlation > 0.95, "log-spectrum correlation \(correlation)")
    }

    @Test func latentMovesTheSpectralCentroid() {
        func centroidFor(latent value: Float) -> Double {
            let engine = EngineFixture.engine()
            engine.send(.latent(LatentVector([Float](repeating: value, count: 8))))
            engine.send(.parameter(.glide, 0))
            let x = EngineFixture.render(engine, frames: 3 * 44100)
            return centroid(powerSpectrum(Array(x[22050...])))
        }
        let low = centroidFor(latent: 0), high = centroidFor(latent: 1)
        #expect(abs(low - high) > 200, "centroids \(low) Hz and \(high) Hz")
    }

    @Test(arguments: PhaseMode.allCases)
    func noClicksAtHopBoundaries(phase: PhaseMode) {
        // Overlap-added windowed frames cannot jump at a hop boundary. An abrupt
        // latent change (glide 0) each second is the hardest case. The largest
        // sample-to-sample step at a hop boundary must stay within the range of
        // steps inside hops: a click would stand far out of it.
        let engine = EngineFixture.engine()
        engine.send(.phase(phase))
        engine.send(.parameter(.glide, 0))
        engine.send(.parameter(.smoothing, 0))
        var x: [Float] = []
        for second in 0..<6 {
            engine.send(.latent(LatentVector([Float](repeating: second % 2 == 0 ? 0 : 1, count: 8))))
            x += EngineFixture.render(engine, frames: 44100)
        }
        let hop = SynthesisShape.standard.hop
        var boundary: Float = 0, inside: [Float] = []
        for n in 1..<x.count {
            let step = abs(x[n] - x[n - 1])
            // (The limiter's look-ahead delays every sample.)
            if (n - engine.outputLatency) % hop == 0 { boundary = max(boundary, step) } else { inside.append(step) }
        }
        inside.sort()
        let p999 = inside[inside.count * 999 / 1000]
        #expect(boundary <= p999 * 1.5, "largest step at a boundary \(boundary), 99.9th percentile inside \(p999)")
    }

    @Test func stopFadesToExactSilenceAndPlayComesBack() {
        let engine = EngineFixture.engine(walking: true)
        _ = EngineFixture.render(engine, frames: 22050)
        engine.send(.play(false))
        let fading = EngineFixture.render(engine, frames: 4410)
        let silent = EngineFixture.render(engine, frames: 44100)
        #expect(silent.allSatisfy { $0 == 0 })
        #expect(rms(fading[..<441]) > 0, "the fade starts from sound")
        // The fade is smooth: no step larger than while playing.
        #expect(zip(fading.dropFirst(), fading).map { abs($0 - $1) }.max()! < 0.2)
        engine.send(.play(true))
        let back = EngineFixture.render(engine, frames: 44100)
        #expect(rms(back[22050...]) > 0.01)
        #expect(!engine.status.isWalking || engine.status.isPlaying)
    }

    @Test func gainScalesTheOutput() {
        let a = EngineFixture.render(EngineFixture.engine(), frames: 44100)
        let engine = EngineFixture.engine()
        engine.send(.parameter(.gain, 0.5))
        let b = EngineFixture.render(engine, frames: 44100)
        let ratio = rms(b[4410...]) / rms(a[4410...])
        #expect(abs(ratio - 0.5) < 0.01, "ratio \(ratio)")
    }

    @Test func stereoAtWidthZeroDuplicatesTheMonoSynthesis() {
        let engine = EngineFixture.engine(channels: 2)
        engine.send(.parameter(.width, 0))
        let x = EngineFixture.render(engine, frames: 4410)
        #expect(stride(from: 0, to: x.count, by: 2).allSatisfy { x[$0] == x[$0 + 1] })
        let mono = EngineFixture.render(EngineFixture.engine(channels: 1), frames: 4410)
        #expect(stride(from: 0, to: x.count, by: 2).map { x[$0] } == mono)
    }

    @Test func modelSwapKeepsPlayingWithoutAGap() throws {
        let engine = EngineFixture.engine(walking: true)
        _ = EngineFixture.render(engine, frames: 22050)
        let other = try ModelBundle(anchor: EngineFixture.root + "/Tests/Fixtures/models/new-full-deep", parts: [.decoder])
        try engine.setModel(try LoadedModel(bundle: other))
        let after = EngineFixture.render(engine, frames: 44100)
        engine.collectRetired()
        // No dropout: every 10 ms window has sound.
        for start in stride(from: 0, to: after.count - 441, by: 441) {
            #expect(rms(after[start..<start + 441]) > 1e-4, "silence at \(start)")
        }
    }

    @Test func fftSizeChangeFadesAndResumes() {
        let engine = EngineFixture.engine(walking: true)
        _ = EngineFixture.render(engine, frames: 22050)
        let shape = try! SynthesisShape.validated(fftSize: 16384, hop: 1024).get()
        engine.reshape(shape)
        let after = EngineFixture.render(engine, frames: 2 * 44100)
        engine.collectRetired()
        #expect(zip(after.dropFirst(), after).map { abs($0 - $1) }.max()! < 0.2, "no click at the change")
        #expect(rms(after[44100...]) > 0.01)
    }

    @Test func shapesScaleWithTheSampleRate() {
        #expect(SynthesisShape.standard.scaled(toSampleRate: 44100) == .standard)
        #expect(SynthesisShape.standard.scaled(toSampleRate: 48000) == .standard)
        let high = SynthesisShape.standard.scaled(toSampleRate: 96000)
        #expect(high.fftSize == 8192 && high.hop == 1024)
    }

    @Test func bandsKeepTheirFrequenciesAtAnotherSampleRate() {
        func centroidAt(_ rate: Double) -> Double {
            let engine = EngineFixture.engine(shape: SynthesisShape.standard.scaled(toSampleRate: rate), sampleRate: rate)
            let x = EngineFixture.render(engine, frames: Int(3 * rate))
            return centroid(powerSpectrum(Array(x[Int(rate)...])), sampleRate: rate)
        }
        let a = centroidAt(44100), b = centroidAt(96000)
        #expect(abs(a - b) / a < 0.1, "centroid \(a) Hz at 44.1 kHz, \(b) Hz at 96 kHz")
    }
}
