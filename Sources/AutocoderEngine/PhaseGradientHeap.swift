// Phase that fits the spectrum: real-time phase-gradient heap integration
// (Průša and Holighaus, RTPGHI). Each hop's phases are derived from the
// magnitudes the voice synthesises, without iterations and without
// look-ahead:
// - the phase's time derivative (instantaneous frequency) from the log
//   magnitude's frequency derivative: a·N/γ · ∂ₘ log s + 2π·a·m/N;
// - its frequency derivative (group delay) from the log magnitude's time
//   derivative: −γ/(a·N) · ∂ₙ log s, a second-order backward difference over
//   the last three hops;
// - γ = 0.25645 N², the time–frequency constant of a Hann window of N samples;
// - integration outward from the loudest bins through a max-heap: a bin of the
//   previous hop hands its phase on in time (trapezoidal), a bin of this hop
//   to its neighbours in frequency; bins more than 50 dB under the loudest get
//   random phases.
// Two departures, measured on the models' own spectra (spectral convergence,
// PhaseTests): the time derivative at a peak comes from a parabola through its
// log magnitudes (the models' peaks are not Hann lobes, and the formula's
// estimate missed their frequency), and only tonal bins — a peak 3 dB above
// its surroundings and its neighbours — follow the heap. Coherent phases on a
// smooth, noise-like stretch of spectrum make pulses (worse than random:
// +3 dB against −5.6 dB), so those bins keep random phases.
// The phases are those of a window centred on the frame (time-invariant
// convention). Our frames put the window's centre at N/2, so a bin's phase
// gets π·m on its way out (neighbouring bins of a stationary sinusoid differ
// by π).
//
// Two streams share the heap's decisions — which bin takes its phase from
// which, and by how much — but not their random starting phases, so they
// carry the same spectrum, each coherent in its own time. A constant phase
// difference would still leave a held tone coherent across the two, so the
// second stream's time steps are also detuned, by up to ±1 Hz per bin (fixed,
// drawn at random): their relative phases turn slowly and the channels are
// decorrelated from each other (a voice's width), with no audible change of
// pitch.
//
// One per synthesis kernel (its FFT size and hop). Built off the audio
// thread; `integrate` is real-time safe (no allocation).

import Foundation

final class PhaseGradientHeap: @unchecked Sendable {
    static let streams = 2
    /// Bins this far under the frame's loudest (in natural log: −50 dB) take random phases.
    static let tolerance = Float(log(pow(10.0, -50.0 / 20)))
    /// The log magnitude of a hop not heard yet (below any tolerance).
    private static let silentLog: Float = -1e4

    let bins: Int
    private let hop: Float
    /// a·N/γ and γ/(a·N).
    private let timeScale: Float
    private let frequencyScale: Float
    /// log magnitude of the last three hops (now, one and two ago).
    private var logNow: UnsafeMutablePointer<Float>
    private var logBefore: UnsafeMutablePointer<Float>
    private var logEarlier: UnsafeMutablePointer<Float>
    /// Phase time derivative of this hop and the last.
    private var timeDerivative: UnsafeMutablePointer<Float>
    private var lastTimeDerivative: UnsafeMutablePointer<Float>
    private let frequencyDerivative: UnsafeMutablePointer<Float>
    /// Phases of each stream (centred convention; stream k at k × bins): this hop's and the last.
    private var phases: UnsafeMutablePointer<Float>
    private var lastPhases: UnsafeMutablePointer<Float>
    private let done: UnsafeMutablePointer<Bool>
    private let tonal: UnsafeMutablePointer<Bool>
    /// A peak is tonal when it stands this far (3 dB) above the quietest bin within
    /// `surroundings` bins; it and its neighbours within `lobe` bins follow the
    /// heap, the rest of the spectrum (noise-like) takes random phases.
    private static let prominence = Float(log(pow(10.0, 3.0 / 20)))
    private static let surroundings = 4
    private static let lobe = 1
    /// The heap: keys (log magnitudes) and entries (bin, + bins for the last hop).
    private let heapKeys: UnsafeMutablePointer<Float>
    private let heapEntries: UnsafeMutablePointer<Int32>
    private var heapCount = 0
    /// The order this hop's phases were found in: each bin, where its phase
    /// came from (−1: random; a bin of this hop; or `bins` + m: bin m of the
    /// last hop) and the step added.
    private let assigned: UnsafeMutablePointer<Int32>
    private let parent: UnsafeMutablePointer<Int32>
    private let step: UnsafeMutablePointer<Float>
    private var assignedCount = 0
    /// The second stream's extra phase step per hop, per bin.
    private let detune: UnsafeMutablePointer<Float>
    private var hops = 0

    init(fftSize n: Int, hop a: Int, sampleRate: Double) {
        bins = n / 2
        hop = Float(a)
        let gamma = 0.25645 * Double(n) * Double(n)
        timeScale = Float(Double(a) * Double(n) / gamma)
        frequencyScale = Float(gamma / (Double(a) * Double(n)))
        func buffer<T>(_ count: Int, _ value: T) -> UnsafeMutablePointer<T> {
            let pointer = UnsafeMutablePointer<T>.allocate(capacity: count)
            pointer.initialize(repeating: value, count: count)
            return pointer
        }
        logNow = buffer(n / 2 + 1, Self.silentLog)
        logBefore = buffer(n / 2 + 1, Self.silentLog)
        logEarlier = buffer(n / 2 + 1, Self.silentLog)
        timeDerivative = buffer(bins, 0)
        lastTimeDerivative = buffer(bins, 0)
        frequencyDerivative = buffer(bins, 0)
        phases = buffer(Self.streams * bins, 0)
        lastPhases = buffer(Self.streams * bins, 0)
        done = buffer(bins, false)
        tonal = buffer(bins, false)
        heapKeys = buffer(2 * bins, 0)
        heapEntries = buffer(2 * bins, 0)
        assigned = buffer(bins, 0)
        parent = buffer(bins, 0)
        step = buffer(bins, 0)
        detune = buffer(bins, 0)
        var random = RandomSource(seed: UInt64(n) &* 0x9E37_79B9 &+ UInt64(a))
        let most = Float(2 * Double.pi * Double(a) / sampleRate)   // 1 Hz, in radians per hop
        for m in 0..<bins {
            let unit = random.nextUnit() * 2 - 1
            detune[m] = unit * most
        }
    }

    deinit {
        for pointer in [logNow, logBefore, logEarlier, phases, lastPhases, timeDerivative, lastTimeDerivative, frequencyDerivative,
                        heapKeys, step, detune] {
            pointer.deallocate()
        }
        for pointer in [heapEntries, assigned, parent] { pointer.deallocate() }
        done.deallocate()
        tonal.deallocate()
    }

    /// The phases of `streams` streams for this hop's magnitudes `s[1 ..< bins]`
    /// (bin 0 is not played). `random` gives a phase in [−π, π) for the bins
    /// that have nothing to follow. Afterwards `phase(of:stream:)` holds each
    /// bin's phase as our frames need it.
    @inline(__always)
    func integrate(_ s: UnsafePointer<Float>, streams: Int, random: () -> Float) {
        // Shift the history: the oldest log-magnitude buffer becomes this hop's.
        let oldest = logEarlier
        logEarlier = logBefore
        logBefore = logNow
        logNow = oldest
        swap(&timeDerivative, &lastTimeDerivative)
        swap(&phases, &lastPhases)
        let now = logNow, before = logBefore, earlier = logEarlier

        var peak: Float = -.infinity
        for m in 1..<bins {
            now[m] = logf(max(s[m], 1e-30))
            peak = max(peak, now[m])
        }
        now[0] = now[1]
        now[bins] = now[bins - 1]
        var lastPeak: Float = -.infinity
        for m in 1..<bins { lastPeak = max(lastPeak, before[m]) }
        let floor = max(peak, lastPeak) + Self.tolerance

        // Derivatives of the log magnitude: in frequency (centred) and in time (backward).
        let first = hops == 0, second = hops == 1
        for m in 1..<bins {
            let dm = (now[m + 1] - now[m - 1]) / 2
            timeDerivative[m] = timeScale * dm + 2 * Float.pi * hop * Float(m) / Float(2 * bins)
            let dn: Float = first ? 0 : second ? now[m] - before[m] : (3 * now[m] - 4 * before[m] + earlier[m]) / 2
            frequencyDerivative[m] = -frequencyScale * dn
        }
        // A peak's own frequency, from a parabola through its log magnitudes:
        // the model's peaks are not the Hann lobes the formula assumes.
        for m in 2..<(bins - 1) where now[m] >= now[m - 1] && now[m] > now[m + 1] {
            let curvature = now[m - 1] - 2 * now[m] + now[m + 1]
            guard curvature < 0 else { continue }
            let offset = max(-0.5, min(0.5, 0.5 * (now[m - 1] - now[m + 1]) / curvature))
            timeDerivative[m] = 2 * Float.pi * hop * (Float(m) + offset) / Float(2 * bins)
        }
        if first {
            for m in 1..<bins { lastTimeDerivative[m] = timeDerivative[m] }
        }
        hops += 1

        // Integration, loudest first.
        assignedCount = 0
        heapCount = 0
        var left = 0
        // Tonal bins: a peak that stands out from its surroundings, and its neighbours.
        for m in 1..<bins { tonal[m] = false }
        for m in 2..<(bins - 1) where now[m] >= now[m - 1] && now[m] >= now[m + 1] {
            var lowest = now[m]
            for j in max(1, m - Self.surroundings)...min(bins - 1, m + Self.surroundings) { lowest = min(lowest, now[j]) }
            if now[m] - lowest > Self.prominence {
                for j in max(1, m - Self.lobe)...min(bins - 1, m + Self.lobe) { tonal[j] = true }
            }
        }
        for m in 1..<bins {
            done[m] = now[m] < floor || !tonal[m]
            if done[m] {
                record(m, from: -1, step: 0)
            } else {
                left += 1
                if before[m] >= floor { push(before[m], Int32(bins + m)) }
            }
        }
        while left > 0 {
            if heapCount == 0 {
                // Nothing to follow: the loudest bin left starts with a random phase.
                var loudest = -1
                for m in 1..<bins where !done[m] && (loudest < 0 || now[m] > now[loudest]) { loudest = m }
                done[loudest] = true
                left -= 1
                record(loudest, from: -1, step: 0)
                push(now[loudest], Int32(loudest))
                continue
            }
            let entry = Int(pop())
            if entry >= bins {
                let m = entry - bins
                guard !done[m] else { continue }
                done[m] = true
                left -= 1
                record(m, from: Int32(entry), step: (lastTimeDerivative[m] + timeDerivative[m]) / 2)
                push(now[m], Int32(m))
            } else {
                left -= spread(from: entry, to: entry - 1, direction: -1)
                left -= spread(from: entry, to: entry + 1, direction: 1)
            }
        }

        // Every stream follows the same steps from its own starting phases.
        for k in 0..<streams {
            let phase = phases + k * bins, last = lastPhases + k * bins
            for i in 0..<assignedCount {
                let m = Int(assigned[i]), from = Int(parent[i])
                let value: Float
                if from < 0 {
                    value = random()
                } else if from >= bins {
                    value = last[from - bins] + step[i] + (k == 1 ? detune[m] : 0)
                } else {
                    value = phase[from] + step[i]
                }
                phase[m] = remainderf(value, 2 * Float.pi)
            }
        }
    }

    /// Bin `m`'s phase in stream `k` for our frame layout (window centred at N/2).
    @inline(__always)
    func phase(of m: Int, stream k: Int) -> Float {
        phases[k * bins + m] + (m & 1 == 1 ? Float.pi : 0)
    }

    /// Bin `m` of this hop hands its phase to its neighbour `to`, unless that
    /// is out of range or has one already. Returns the bins given a phase (0 or 1).
    @inline(__always)
    private func spread(from m: Int, to neighbour: Int, direction: Float) -> Int {
        guard neighbour >= 1, neighbour < bins, !done[neighbour] else { return 0 }
        done[neighbour] = true
        record(neighbour, from: Int32(m), step: direction * (frequencyDerivative[m] + frequencyDerivative[neighbour]) / 2)
        push(logNow[neighbour], Int32(neighbour))
        return 1
    }

    /// Forgets the past hops (a new start: the first hop's phases are random
    /// where nothing can be followed).
    func reset() {
        hops = 0
        logNow.update(repeating: Self.silentLog, count: bins + 1)
        logBefore.update(repeating: Self.silentLog, count: bins + 1)
        logEarlier.update(repeating: Self.silentLog, count: bins + 1)
    }

    @inline(__always)
    private func record(_ m: Int, from source: Int32, step value: Float) {
        assigned[assignedCount] = Int32(m)
        parent[assignedCount] = source
        step[assignedCount] = value
        assignedCount += 1
    }

    @inline(__always)
    private func push(_ key: Float, _ entry: Int32) {
        var i = heapCount
        heapCount += 1
        while i > 0 {
            let up = (i - 1) / 2
            guard heapKeys[up] < key else { break }
            heapKeys[i] = heapKeys[up]
            heapEntries[i] = heapEntries[up]
            i = up
        }
        heapKeys[i] = key
        heapEntries[i] = entry
    }

    @inline(__always)
    private func pop() -> Int32 {
        let top = heapEntries[0]
        heapCount -= 1
        let key = heapKeys[heapCount], entry = heapEntries[heapCount]
        var i = 0
        while true {
            var child = 2 * i + 1
            guard child < heapCount else { break }
            if child + 1 < heapCount && heapKeys[child + 1] > heapKeys[child] { child += 1 }
            guard heapKeys[child] > key else { break }
            heapKeys[i] = heapKeys[child]
            heapEntries[i] = heapEntries[child]
            i = child
        }
        heapKeys[i] = key
        heapEntries[i] = entry
        return top
    }
}
