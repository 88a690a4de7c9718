// A generative voice's synthesis (SPEC §3), per stream and per hop: random
// morph → walk → glide → decode → feedback / brightness / whitening of the frame →
// the running bins' magnitudes (power by frequency) → clip and tilt →
// spectral smoothing → random phase (magnitude · e^{iφ}) → inverse FFT →
// window → normalised overlap-add.
//
// The decode of the hops a render call will play may be done ahead, for all
// voices at once (`SynthesisEngine+Decoding.swift`): the walk and glide move
// per hop, never per sample, and commands arrive only between render calls
// (or the parts of one split at a scheduled command), so the latent values a
// hop plays are known at the start of the call (or part).
//
// Render thread only, like everything it touches.

import AutocoderModel
import Foundation

extension GenerativeVoice {
    /// Plays `count` samples of `stream` into `output`, synthesising hops as they
    /// are needed. The leading stream (the one heard now) moves the latent walk
    /// and glide and keeps the feedback memory; an incoming one follows them.
    /// With `second`, the voice's second (decorrelated) signal goes there.
    func render(_ stream: inout GenerativeStream, into output: UnsafeMutablePointer<Float>, second: UnsafeMutablePointer<Float>?,
                count: Int, leading: Bool) {
        let kernel = stream.kernel.takeUnretainedValue()
        let hop = kernel.shape.hop
        if second == nil { kernel.secondRunning = 0 }
        var written = 0
        while written < count {
            if !stream.started || stream.position == hop {
                // A filter's frame ends where this stream is in the call's input.
                synthesizeHop(&stream, leading: leading, at: written, inputLag: (filter?.appended ?? 0) - written, second: second != nil)
            }
            let n = min(count - written, hop - stream.position)
            (output + written).update(from: kernel.accumulator.baseAddress! + stream.position, count: n)
            if let second {
                (second + written).update(from: kernel.secondAccumulator.baseAddress! + stream.position, count: n)
                kernel.secondRunning += n
            }
            if leading, let filter {
                // The input up to the next hop, with the tail of what was just played.
                filter.append(wet: output + written, count: n, tail: parameters[EngineParameter.tail.ordinal],
                              predelay: parameters[EngineParameter.predelay.ordinal])
            }
            stream.position += n
            written += n
        }
    }

    /// Hops the active stream will synthesise in the next `frames` samples, when
    /// they can be decoded ahead: it sounds and no other stream is taking over.
    func hopsDue(in frames: Int) -> Int {
        guard isSounding, streams.incoming == nil else { return 0 }
        let stream = streams.active
        let hop = stream.kernel.takeUnretainedValue().shape.hop
        let first = stream.started ? hop - stream.position : 0
        return first < frames ? 1 + (frames - 1 - first) / hop : 0
    }

    /// Moves the walk and glide on by one hop of the active stream and writes the
    /// latent values that hop plays into `row` (for a decode ahead).
    func advanceHop(into row: UnsafeMutablePointer<Float>) {
        let model = streams.active.voice.takeUnretainedValue()
        advanceLatent(by: streams.active.kernel.takeUnretainedValue().shape.hop, dimensions: model.latentCount)
        row.update(from: current, count: model.latentCount)
    }

    /// A stream has started to take over from the active one: it begins with the
    /// active stream's smoothed spectrum (taken at the same frequencies), so its
    /// smoothing does not rebuild the sound from silence.
    func startIncomingStream() {
        guard let incoming = streams.incoming else { return }
        let old = streams.active.kernel.takeUnretainedValue()
        let new = incoming.kernel.takeUnretainedValue()
        let ratio = Float(old.shape.fftSize) / Float(new.shape.fftSize)
        for k in 0..<new.binCount {
            let position = Float(k) * ratio
            let below = min(Int(position), old.binCount - 1)
            let above = min(below + 1, old.binCount - 1)
            let t = position - Float(below)
            new.smoothed[k] = old.smoothed[below] * (1 - t) + old.smoothed[above] * t
        }
    }

    /// The hop that starts `offset` samples into this render call.
    private func synthesizeHop(_ stream: inout GenerativeStream, leading: Bool, at offset: Int, inputLag: Int, second: Bool) {
        let k = stream.kernel.takeUnretainedValue()
        let v = stream.voice.takeUnretainedValue()
        let n = k.shape.fftSize, hop = k.shape.hop, bins = k.binCount
        let acc = k.accumulator.baseAddress!
        if stream.started {
            acc.update(from: acc + hop, count: n - hop)
            (acc + n - hop).update(repeating: 0, count: hop)
        }
        let secondAcc = k.secondAccumulator.baseAddress!
        if second {
            if k.secondRunning == 0 {
                // A second signal starting afresh: nothing of an earlier one is left.
                k.secondAccumulator.update(repeating: 0)
            } else {
                secondAcc.update(from: secondAcc + hop, count: n - hop)
                (secondAcc + n - hop).update(repeating: 0, count: hop)
            }
        }
        stream.started = true
        stream.position = 0

        let mel = v.mel.baseAddress!
        if leading { engineStatus.hops.wrappingIncrement(ordering: .relaxed) }
        if leading, decodedNext < decodedCount, let decoded, let decodedLatents {
            // Decoded ahead, with the walk and glide already moved.
            mel.update(from: decoded + decodedNext * decodedStride, count: v.mel.count)
            engineStatus.playedLatents.record(at: offset + n / 2, decodedLatents + decodedNext * v.latentCount, count: v.latentCount)
            decodedNext += 1
        } else {
            if leading {
                advanceLatent(by: hop, dimensions: v.latentCount)
                engineStatus.playedLatents.record(at: offset + n / 2, current, count: v.latentCount)
            }
            v.decoder.decode(current, into: mel)
        }
        let feedback = parameters[EngineParameter.feedback.ordinal]
        let brightness = parameters[EngineParameter.brightness.ordinal]
        let whitening = parameters[EngineParameter.whitening.ordinal]
        let level = v.maxIn / 32 * v.makeUpGain
        var check: Float = 0
        for i in 0..<v.mel.count {
            var m = mel[i]
            if feedback > 0 { m = (1 - feedback) * m + feedback * v.previousMel[i] }
            if leading { v.previousMel[i] = m }
            if brightness > 0 { m *= powf(v.bandPosition[i], brightness) }
            // (A filter voice whitens its input instead.)
            if whitening != 1, filter == nil { m = powf(max(m, 0), whitening) }
            m *= level
            mel[i] = m
            check += m * 0
        }
        guard check == 0 else {
            // A NaN or infinity (a model that overflows): this stream falls silent
            // and forgets everything it held; the next finite frame starts it again.
            silence(k, v)
            engineStatus.nonFiniteBlocks.wrappingIncrement(ordering: .relaxed)
            return
        }

        let magnitude = k.magnitude.baseAddress!
        k.binMagnitudes(of: mel, into: magnitude)
        let smoothing = parameters[EngineParameter.smoothing.ordinal]
        for b in 1..<bins {
            let m = min(max(magnitude[b], 0), 10000) * k.tilt[b]
            k.smoothed[b] = (1 - smoothing) * m + smoothing * k.smoothed[b]
        }
        if let filter {
            filter.filterHop(k, decoded: UnsafePointer(k.smoothed.baseAddress!), lag: inputLag, whitening: whitening,
                             autofilter: parameters[EngineParameter.autofilter.ordinal])
            return
        }
        let signals = second ? 2 : 1
        if phaseMode == .pghi {
            k.phaseHeap.integrate(UnsafePointer(k.smoothed.baseAddress!), streams: signals) { randomPhase() }
        }
        let spectrum = k.fft.spectrum
        let window = k.window.baseAddress!
        for signal in 0..<signals {
            spectrum[0] = 0
            spectrum[1] = 0
            for b in 1..<bins {
                let phase: SIMD2<Float>
                switch phaseMode {
                case .random:
                    phase = phaseTable[Int(random.next() >> 52)]
                case .pghi:
                    phase = unitPhasor(k.phaseHeap.phase(of: b, stream: signal))
                case .coherent:
                    let slot = signal * bins + b
                    k.coherentPhases[slot] = remainderf(k.coherentPhases[slot] + 2 * Float.pi * Float(hop) * Float(b) / Float(n), 2 * Float.pi)
                    phase = unitPhasor(k.coherentPhases[slot])
                }
                spectrum[2 * b] = k.smoothed[b] * phase.x
                spectrum[2 * b + 1] = k.smoothed[b] * phase.y
            }
            spectrum[2 * bins] = 0
            spectrum[2 * bins + 1] = 0
            k.fft.inverse()
            let samples = k.fft.samples
            let into = signal == 0 ? acc : secondAcc
            for i in 0..<n { into[i] += samples[i] * window[i] }
        }
    }

    /// A phase in [−π, π) drawn from the voice's random source.
    @inline(__always)
    private func randomPhase() -> Float { -Float.pi + 2 * Float.pi * random.nextUnit() }

    /// (cos φ, sin φ) from the phase table, for any φ.
    @inline(__always)
    private func unitPhasor(_ phase: Float) -> SIMD2<Float> {
        let turns = phase * (0.5 / Float.pi) + 0.5
        return phaseTable[Int((turns - turns.rounded(.down)) * 4096) & 4095]
    }

    /// Walk and glide for one hop of `hop` samples.
    private func advanceLatent(by hop: Int, dimensions: Int) {
        stepMorph(by: hop)
        // A morph owns the targets while it runs: a walk's steps would be overwritten.
        if walking, morph == nil {
            walkClock += Double(hop) / sampleRate
            let interval = Double(parameters[EngineParameter.walkInterval.ordinal])
            let step = parameters[EngineParameter.walkStep.ordinal]
            while walkClock >= interval {
                walkClock -= interval
                for d in 0..<dimensions {
                    target[d] = min(1, max(0, target[d] + (random.nextUnit() - 0.5) * step))
                    status.storeTarget(d, target[d])
                }
            }
        }
        let glide = Double(parameters[EngineParameter.glide.ordinal])
        let approach = glide <= 0 ? 1 : Float(1 - exp(-Double(hop) / (glide * sampleRate)))
        for d in 0..<dimensions {
            current[d] += (target[d] - current[d]) * approach
            status.storeLatent(d, current[d])
        }
        if latentChanged {
            latentChanged = false
            engineStatus.latentReflectedAt.store(UInt64(SynthesisEngine.now() * 1e9), ordering: .relaxed)
        }
    }

    /// Clears everything a stream carries from hop to hop.
    private func silence(_ kernel: SynthesisKernel, _ voice: LoadedModel) {
        kernel.accumulator.update(repeating: 0)
        kernel.smoothed.update(repeating: 0)
        kernel.filterAverage.update(repeating: 0)
        kernel.secondAccumulator.update(repeating: 0)
        kernel.phaseHeap.reset()
        voice.previousMel.update(repeating: 0)
        filter?.reset()
    }
}
