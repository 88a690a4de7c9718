// A replacement taking over from what plays now without a gap: the generative
// voice's kernel (a new FFT size, hop or band count) and the autocode voice (a
// new model or input).
//
// The incoming object first renders silently for a warm-up — long enough to
// fill its overlap-add, so that it enters at its full level — and is then
// crossfaded in. A replacement that arrives while another is already being
// heard waits (only the newest) until that one has taken over; one that
// arrives during a warm-up replaces the warming one, which nobody heard.
//
// Render thread only; a value owned by the engine. Objects are never released
// here: whatever is let go is handed to `retire`.

import Foundation

/// How the crossfade's two gains move.
enum CrossfadeCurve {
    /// cos/sin: constant power for independent signals (random-phase synthesis).
    case equalPower
    /// 1 - t / t: constant amplitude for signals that share their phase
    /// (two models autocoding the same input).
    case linear
}

struct Handover<Object> {
    /// What is heard now (the engine renders it in place).
    var active: Object
    /// What is taking over, warming up or being crossfaded in (rendered in place too).
    var incoming: Object?
    private var pending: (object: Object, warmup: Int)?
    private var warmupLeft = 0
    private var faded = 0
    private let length: Int
    private let curve: CrossfadeCurve

    init(_ active: Object, crossfadeSamples: Int, curve: CrossfadeCurve) {
        self.active = active
        length = max(1, crossfadeSamples)
        self.curve = curve
    }

    /// The object that will be heard last: the waiting one, the incoming one or the active one.
    var newest: Object { pending?.object ?? incoming ?? active }

    /// Whether the incoming object is already being heard.
    private var isCrossfading: Bool { incoming != nil && warmupLeft == 0 }

    /// Hands over to `object` after it has rendered `warmup` samples silently.
    /// Returns true when it starts now (it is `incoming`), false when it waits.
    mutating func replace(with object: Object, warmup: Int, retire: (Object) -> Void) -> Bool {
        if isCrossfading {
            if let waiting = pending { retire(waiting.object) }
            pending = (object, warmup)
            return false
        }
        if let warming = incoming { retire(warming) }
        begin(object, warmup: warmup)
        return true
    }

    private mutating func begin(_ object: Object, warmup: Int) {
        incoming = object
        warmupLeft = max(0, warmup)
        faded = 0
    }

    /// Finishes every handover at once (for when nothing is heard): the newest
    /// object becomes active and the rest are retired.
    mutating func completeNow(retire: (Object) -> Void) {
        if let next = incoming {
            retire(active)
            active = next
            incoming = nil
        }
        if let waiting = pending {
            retire(active)
            active = waiting.object
            pending = nil
        }
    }

    /// Mixes `count` samples: `current` was rendered by `active`, `next` by
    /// `incoming` (ignored without one); `second`, a second signal of each,
    /// goes through the same crossfade. When the crossfade ends, the incoming
    /// object becomes active and the old one is retired; a waiting one then
    /// starts, and the return value says so (it renders from the next call on).
    mutating func mix(current: UnsafePointer<Float>, next: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>,
                      count: Int,
                      second: (current: UnsafePointer<Float>, next: UnsafePointer<Float>, into: UnsafeMutablePointer<Float>)? = nil,
                      retire: (Object) -> Void) -> Bool {
        guard incoming != nil else {
            if output != UnsafeMutablePointer(mutating: current) { output.update(from: current, count: count) }
            if let second, second.into != UnsafeMutablePointer(mutating: second.current) { second.into.update(from: second.current, count: count) }
            return false
        }
        let scale = 1 / Float(length)
        for i in 0..<count {
            var gains = SIMD2<Float>(1, 0)
            if warmupLeft > 0 {
                warmupLeft -= 1
            } else if faded < length {
                let t = Float(faded) * scale
                switch curve {
                case .equalPower:
                    let angle = t * (Float.pi / 2)
                    gains = SIMD2(cosf(angle), sinf(angle))
                case .linear:
                    gains = SIMD2(1 - t, t)
                }
                faded += 1
            } else {
                gains = SIMD2(0, 1)
            }
            output[i] = current[i] * gains.x + next[i] * gains.y
            if let second { second.into[i] = second.current[i] * gains.x + second.next[i] * gains.y }
        }
        guard faded == length, let next = incoming else { return false }
        retire(active)
        active = next
        incoming = nil
        guard let waiting = pending else { return false }
        pending = nil
        begin(waiting.object, warmup: waiting.warmup)
        return true
    }

    /// Applies `body` to every object held (active, incoming, waiting).
    mutating func forEach(_ body: (inout Object) -> Void) {
        body(&active)
        if incoming != nil { body(&incoming!) }
        if pending != nil { body(&pending!.object) }
    }
}
