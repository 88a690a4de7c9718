// What makes a generative voice a filter voice (SPEC §3 "Filter", the seed's
// "REVERB/FILTERING"): an input — the device's, a looped file or another
// voice's output — whose frames take the model's decoded spectrum at the
// voice's latent point as their filter. Per hop: the input frame (Hann, the
// voice's FFT size), its magnitude X normalised to its peak and raised to the
// whitening power w, times the decoded spectrum D (the generative voice's own
// latent state, walk, glide, feedback, brightness, tilt and smoothing); the
// auto-filter takes away a share of that product's slow per-bin average; the
// frame gets the input frame's energy back and its phase, and is overlap-added
// back to the input's level. `mix` blends in the dry input; `tail` feeds the
// filtered output, `predelay` later, back into the input.
//
// Bounded whatever the model: every frame leaves with at most the energy of
// the frame it came from, and Hann analysis with its normalised overlap-add
// synthesis is a tight frame, so the filtered signal never has more energy
// than its input; with the tail's gain g < 1 the recirculating signal's
// energy stays below the input's / (1 − g)². With the input silent and the
// tail at 0, the output is exactly silent one FFT and one hop later.
//
// Threading: built on the control thread; from then on only the render
// thread touches it (through its voice), until it is retired with the voice.

import Foundation

/// A sound file's samples at the engine's rate, played round and round as a
/// filter voice's input. Immutable once built (off the audio thread).
public final class SoundLoop: @unchecked Sendable {
    public let name: String
    let samples: UnsafeMutableBufferPointer<Float>

    /// `samples` (mono, at the engine's rate; not empty); what is not finite plays as silence.
    public init(name: String, samples: [Float]) {
        precondition(!samples.isEmpty, "a loop needs samples")
        self.name = name
        self.samples = .allocate(capacity: samples.count)
        _ = self.samples.initialize(from: samples.lazy.map { $0.isFinite ? $0 : 0 })
    }

    deinit { samples.deallocate() }
}

/// Where a filter voice's input comes from.
enum FilterSource {
    /// Nothing yet: silence.
    case silence
    /// The device's input (mixed to mono).
    case device
    case loop(Unmanaged<SoundLoop>)
    /// Another voice's output, before its level and routing, one engine chunk later.
    case voice(Int)
}

final class FilterStage: @unchecked Sendable {
    var source: FilterSource = .silence
    private var loopPosition = 0
    /// What the filter analyses: the input with the tail mixed in.
    private var history: SampleHistory
    /// The filtered output, for the tail.
    private var tailLine: DelayLine
    /// This render call's input, as it is heard dry.
    let dry: UnsafeMutablePointer<Float>
    /// Samples of this render call already appended to `history`.
    private(set) var appended = 0
    let sampleRate: Double

    /// Silent by default; `chunk` is the most samples one call renders.
    init(sampleRate: Double, chunk: Int) {
        self.sampleRate = sampleRate
        history = SampleHistory(capacity: SynthesisShape.fftSizes.upperBound)
        tailLine = DelayLine(longest: Int((Double(EngineParameter.predelay.range.upperBound) * sampleRate).rounded(.up)))
        dry = .allocate(capacity: chunk)
        dry.initialize(repeating: 0, count: chunk)
    }

    deinit {
        history.deallocate()
        tailLine.deallocate()
        dry.deallocate()
        if case let .loop(loop) = source { loop.release() }
    }

    /// A new source; the old one (a loop) is handed back for retiring.
    func replaceSource(with newSource: FilterSource, retire: (Unmanaged<SoundLoop>) -> Void) {
        if case let .loop(old) = source { retire(old) }
        source = newSource
        loopPosition = 0
    }

    /// Starts a render call: `dry` gets its `count` input samples (`input`, the
    /// device's or another voice's, as the source says; the loop's; or
    /// silence). What is not finite counts as silence.
    @inline(__always)
    func begin(input: UnsafePointer<Float>?, count: Int) {
        appended = 0
        switch source {
        case let .loop(unmanaged):
            let loop = unmanaged.takeUnretainedValue().samples
            for i in 0..<count {
                dry[i] = loop[loopPosition]
                loopPosition = loopPosition + 1 == loop.count ? 0 : loopPosition + 1
            }
        case .device, .voice:
            if let input {
                for i in 0..<count { dry[i] = input[i].isFinite ? input[i] : 0 }
            } else {
                dry.update(repeating: 0, count: count)
            }
        case .silence:
            dry.update(repeating: 0, count: count)
        }
    }

    /// Appends the next `count` input samples, each with the tail: `wet` holds
    /// the filtered output of the same samples.
    @inline(__always)
    func append(wet: UnsafePointer<Float>, count: Int, tail: Float, predelay: Float) {
        let delay = Int(predelay * Float(sampleRate))
        for i in 0..<count {
            tailLine.append(wet[i])
            history.append(dry[appended + i] + tail * tailLine.sample(delayedBy: delay))
        }
        appended += count
    }

    /// Appends the rest of this call's input without a tail (the voice is silent),
    /// and forgets the tail once.
    func appendSilently(count: Int) {
        if !tailLine.isClear { tailLine.clear() }
        while appended < count {
            history.append(dry[appended])
            appended += 1
        }
    }

    /// One hop of `kernel`: the input frame that ends `lag` samples before the
    /// newest appended, filtered by `decoded` (the voice's spectrum for the
    /// kernel's bins), overlap-added into the kernel's accumulator.
    @inline(__always)
    func filterHop(_ kernel: SynthesisKernel, decoded: UnsafePointer<Float>, lag: Int, whitening: Float, autofilter: Float) {
        let n = kernel.shape.fftSize, bins = kernel.binCount
        let fft = kernel.fft
        let frame = history.recent(n, before: lag)
        let window = kernel.inputWindow.baseAddress!
        for i in 0..<n { fft.samples[i] = frame[i] * window[i] }
        fft.forward()
        let spectrum = fft.spectrum
        var peak: Float = 0
        for k in 1..<bins {
            let re = spectrum[2 * k], im = spectrum[2 * k + 1]
            peak = max(peak, re * re + im * im)
        }
        guard peak > 0 else { return }   // a silent frame adds nothing
        // (|X| / peak)^w from the powers: (|X|² / peak²)^(w/2).
        let halfPower = whitening / 2, inversePeak = 1 / peak
        let product = kernel.magnitude.baseAddress!, average = kernel.filterAverage.baseAddress!
        product[0] = 0
        for k in 1..<bins {
            let re = spectrum[2 * k], im = spectrum[2 * k + 1]
            let power = (re * re + im * im) * inversePeak
            var p = (power > 0 ? powf(power, halfPower) : 0) * decoded[k]
            average[k] = 0.9 * average[k] + 0.1 * p
            p = max(0, p - autofilter * average[k])
            product[k] = p
        }
        guard CrossSynthesis.impose(UnsafePointer(product), on: spectrum, bins: bins) else { return }
        fft.inverse()
        let samples = fft.samples, synthesis = kernel.inputSynthesisWindow.baseAddress!
        let acc = kernel.accumulator.baseAddress!
        for i in 0..<n { acc[i] += samples[i] * synthesis[i] }
    }

    /// Forgets the input heard so far (after a frame that was not finite).
    func reset() {
        history.clear()
        tailLine.clear()
    }
}
