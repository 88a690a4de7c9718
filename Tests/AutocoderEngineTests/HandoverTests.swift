// Reshapes and swaps while playing: any FFT size and hop at any block size and
// any moment, and no hole in the sound when the kernel, the band count or the
// autocode voice changes.

import AudioTestSupport
import AutocoderDSP
import AutocoderEngine
import AutocoderModel
import Foundation
import Testing

enum Levels {
    /// RMS of consecutive 10 ms windows.
    static func windows(_ x: ArraySlice<Float>, size: Int = 441) -> [Float] {
        stride(from: x.startIndex, through: x.endIndex - size, by: size).map { rms(x[$0..<$0 + size]) }
    }

    static func median(_ values: [Float]) -> Float { values.sorted()[values.count / 2] }

    static func percentile(_ values: [Float], _ fraction: Double) -> Float { values.sorted()[Int(Double(values.count - 1) * fraction)] }

    static func decibels(_ ratio: Float) -> Float { 20 * log10f(ratio) }

    /// The longest run of exact zeros.
    static func longestZeroRun(_ x: ArraySlice<Float>) -> Int {
        var longest = 0, run = 0
        for v in x {
            run = v == 0 ? run + 1 : 0
            longest = max(longest, run)
        }
        return longest
    }
}

@Suite struct HandoverTests {
    static func shape(_ fft: Int, _ hop: Int) -> SynthesisShape { try! SynthesisShape.validated(fftSize: fft, hop: hop).get() }

    /// Every valid shape the issue named, and the extremes, each from a shape
    /// with a larger hop, at block sizes from 16 to 4096 and at many moments
    /// inside a hop: one long performance per block size.
    @Test(arguments: [16, 256, 4096])
    func anyShapeAtAnyMomentAtAnyBlockSize(block: Int) {
        let targets = [(4096, 128), (4096, 64), (4096, 32), (256, 128), (256, 32), (512, 128), (4096, 64), (16384, 8192), (1024, 32)]
        let engine = EngineFixture.engine(shape: Self.shape(4096, 512))
        for (round, (fft, hop)) in (targets + targets).enumerated() {
            // Back to a large hop, then part of the way into one of its hops.
            engine.reshape(Self.shape(4096, 512))
            _ = EngineFixture.render(engine, frames: 4096 + 1323 + (round * 173) % 512, block: block)
            engine.reshape(Self.shape(fft, hop))
            let after = EngineFixture.render(engine, frames: fft + 1323 + 2205, block: block)
            engine.collectRetired()
            #expect(after.allSatisfy { $0.isFinite }, "\(fft)/\(hop), block \(block)")
            #expect(rms(after[(fft + 1323)...]) > 0.005, "\(fft)/\(hop), block \(block): sound after the change")
        }
    }

    /// Changes arriving faster than they can take over: during warm-ups and
    /// crossfades, the newest wins and nothing breaks.
    @Test func rapidReshapesSettleOnTheNewest() {
        let engine = EngineFixture.engine()
        _ = EngineFixture.render(engine, frames: 8192)
        var heard: [Float] = []
        for (fft, hop) in [(256, 32), (16384, 8192), (1024, 64), (8192, 32), (512, 256), (4096, 512), (2048, 128)] {
            engine.reshape(Self.shape(fft, hop))
            heard += EngineFixture.render(engine, frames: 700, block: 64)
        }
        heard += EngineFixture.render(engine, frames: 44100)
        engine.collectRetired()
        #expect(heard.allSatisfy { $0.isFinite })
        let level = Levels.windows(heard[...])
        #expect(level.min()! > 0.25 * Levels.median(level), "no 10 ms window 12 dB below the median")
    }

    /// A reshape crossfades from the old kernel to the new, which starts from the
    /// old one's spectrum: no 10 ms window more than 6 dB below the steady level.
    @Test(arguments: [(4096, 128), (4096, 32), (16384, 512), (16384, 4096), (1024, 256), (512, 128), (256, 32), (8192, 2048)])
    func reshapingLeavesNoHole(fft: Int, hop: Int) {
        let engine = EngineFixture.engine()
        engine.send(.parameter(.glide, 0))
        let before = EngineFixture.render(engine, frames: 33075)
        let steady = Levels.median(Levels.windows(before[11025...]))
        engine.reshape(Self.shape(fft, hop))
        let after = EngineFixture.render(engine, frames: 33075)
        engine.collectRetired()
        let windows = Levels.windows(after[...])
        let lowest = windows.min()!
        // Shapes differ a little in level (a small FFT smears the spectrum): the
        // floor is the quieter of the two.
        let settled = Levels.median(Array(windows[45...]))
        let floor = min(steady, settled)
        #expect(Levels.decibels(lowest / floor) > -6, "\(fft)/\(hop): lowest 10 ms window \(Levels.decibels(lowest / floor)) dB")
        #expect(Levels.longestZeroRun(after[...]) < 4, "\(fft)/\(hop): a run of exact zeros")
    }

    /// A model with another band count needs a new kernel: the same crossfade.
    @Test func anotherBandCountSwapsWithoutAHole() throws {
        let small = try ModelBundle(anchor: EngineFixture.root + "/Tests/Fixtures/models/new-tiny-shallow", parts: [.decoder])
        let voice = try LoadedModel(bundle: small)
        #expect(voice.layout != .mel(bands: 512))
        for (from, to) in [(EngineFixture.bundle, small), (small, EngineFixture.bundle)] {
            let first = try LoadedModel(bundle: from)
            let engine = SynthesisEngine(model: first, shape: .standard, sampleRate: 44100,
                                         channels: 1, walking: false, tapSeconds: 1)
            let before = EngineFixture.render(engine, frames: 44100)
            let next = try LoadedModel(bundle: to)
            try engine.setModel(next)
            let after = EngineFixture.render(engine, frames: 44100)
            engine.collectRetired()
            let windows = Levels.windows(after[...])
            let floor = min(Levels.median(Levels.windows(before[22050...])), Levels.median(Array(windows[50...])))
            #expect(Levels.decibels(windows.min()! / floor) > -6, "\(from.anchor) → \(to.anchor)")
            #expect(Levels.longestZeroRun(after[...]) < 4)
        }
    }

    /// Replacing the autocode voice (a new model, or the same one rebuilt) while
    /// it plays a looped input crossfades the two; the new one carries on from
    /// the old one's input and place in the loop.
    @Test func autocodeSwapsWithoutAClick() throws {
        let coders = GenerativeVoiceTests.coders
        let loop = (0..<3 * 44100).map { i in 0.3 * sinf(Float(i) * 0.05) + 0.2 * sinf(Float(i) * 0.013) * sinf(Float(i) * 0.0003) }
        func voice(_ shape: SynthesisShape) throws -> AutocodeVoice {
            let v = try AutocodeVoice(encoder: coders.encoder!, decoder: coders.decoder!, shape: shape, sampleRate: 44100,
                                      range: (Array(repeating: -3, count: 8), Array(repeating: 3, count: 8)), loop: loop)
            v.play(true, fadeSeconds: 0)
            // Well below the output limiter's ceiling, so that only the swap shapes the level.
            v.level = 0.3
            return v
        }
        for next in [SynthesisShape.standard, Self.shape(2048, 256), Self.shape(8192, 512)] {
            let engine = EngineFixture.engine()
            engine.send(.play(false))
            try engine.addAutocodeVoice(id: 2, voice: try voice(.standard))
            let before = EngineFixture.render(engine, frames: 2 * 44100)
            try engine.setAutocodeVoice(try voice(next), name: "", voice: 2)
            let after = EngineFixture.render(engine, frames: 44100)
            engine.collectRetired()
            // The swap (its warm-up and crossfade: the first 250 ms) is no quieter
            // than either voice gets by itself: on this input of two sines the
            // resynthesis dips by itself, by 5-8 dB below its median at 8192.
            let windows = Levels.windows(after[...])
            let swap = windows[..<25], steadyAfter = Array(windows[25...])
            let floor = min(Levels.percentile(Levels.windows(before[44100...]), 0.05), Levels.percentile(steadyAfter, 0.05))
            #expect(Levels.decibels(swap.min()! / floor) > -3, "\(next.fftSize)/\(next.hop): \(Levels.decibels(swap.min()! / floor)) dB")
            #expect(Levels.longestZeroRun(after[...]) < 4, "\(next.fftSize)/\(next.hop)")
            // Sample to sample, the swap is no rougher than the sound itself.
            let steps = zip(after.dropFirst(), after).map { abs($0 - $1) }
            let usual = zip(before.dropFirst(), before).map { abs($0 - $1) }.max()!
            #expect(steps.max()! < 1.5 * usual)
        }
    }
}
