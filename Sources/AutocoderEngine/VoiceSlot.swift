// One voice in the engine's mixer, whatever its kind: what it is (its kind's
// player), its level (ramped, or gliding a sample at a time in a morph), its
// routing onto the output channels, and its fade when freed.
//
// Render thread only; slots live in the engine's preallocated table.

import Foundation

enum VoiceContent {
    case generative(Unmanaged<GenerativeVoice>)
    case granular(GranularVoicePlayer)
    case autocode(AutocodeVoicePlayer)

    /// Hands `body` every object the content holds, once each.
    func forEachObject(_ body: (RetiredObject) -> Void) {
        switch self {
        case let .generative(voice): body(.generative(voice))   // its streams' kernels and models go with it
        case let .granular(player):
            if let voice = player.voice { body(.granular(voice)) }
            if let finishing = player.finishing { body(.granular(finishing)) }
        case var .autocode(player):
            player.voices.forEach { voice in if let voice { body(.autocode(voice)) } }
        }
    }

    var kind: VoiceKind {
        switch self {
        case let .generative(voice): voice.takeUnretainedValue().filter == nil ? .generative : .filter
        case .granular: .granular
        case .autocode: .autocode
        }
    }
}

struct VoiceSlot {
    let id: Int
    var content: VoiceContent
    private(set) var level: Float
    private var levelTarget: Float
    /// A morph's glide of the level: from, to, its frames and curve, and the frames run.
    private var levelGlide: (from: Float, to: Float, frames: Int, curve: MorphCurve)?
    private var levelGlided = 0
    /// Channel of the first share (−1: every channel alike), its gain, and the
    /// channel and gain of the second share (a pan between two channels).
    private(set) var firstChannel = -1
    private(set) var firstGain: Float = 1
    private(set) var secondChannel = 0
    private(set) var secondGain: Float = 0
    /// Being freed: fades out over 50 ms, then leaves the mixer.
    private(set) var freeing = false
    private var freeFade: Float = 1

    static let defaultLevel: Float = 1

    init(id: Int, content: VoiceContent, level: Float = VoiceSlot.defaultLevel) {
        self.id = id
        self.content = content
        self.level = level
        levelTarget = level
    }

    mutating func setLevel(_ value: Float) {
        levelTarget = value
        levelGlide = nil
    }

    /// Glides the level from where it is heard to `value` over `frames`, along `curve`.
    mutating func glideLevel(to value: Float, frames: Int, curve: MorphCurve) {
        guard frames > 0 else { return setLevel(value) }
        levelGlide = (level, value, frames, curve)
        levelGlided = 0
    }

    /// Routing to channel `out` (1-based; 0 = every channel) with `pan` towards
    /// the next (+) or previous (−) channel, equal power, wrapping around.
    mutating func route(out: Int, pan: Float, channels: Int) {
        guard out >= 1, out <= channels else {
            firstChannel = -1
            firstGain = 1
            secondGain = 0
            return
        }
        let angle = min(abs(pan), 1) * (Float.pi / 2)
        firstChannel = out - 1
        firstGain = cosf(angle)
        secondChannel = ((out - 1) + (pan >= 0 ? 1 : -1) + channels) % channels
        secondGain = channels > 1 ? sinf(angle) : 0
        if channels == 1 { firstGain = 1 }
    }

    mutating func free() { freeing = true }

    /// Whether it is heard on more than one channel (so a second, decorrelated
    /// signal of it can be).
    func spreads(channels: Int) -> Bool { channels > 1 && (firstChannel < 0 || secondGain > 0) }

    /// Whether a freed voice has faded out and can leave.
    var isFreed: Bool { freeing && freeFade == 0 }

    /// Adds the voice's samples `voice[0 ..< count]`, at its level and routing,
    /// to the interleaved `mix` of `channels` channels. With `second`, the
    /// voice's second signal takes every other channel: the odd ones (2, 4, …)
    /// when it plays on every channel, the second of a pan.
    @inline(__always)
    mutating func mix(_ voice: UnsafePointer<Float>, second: UnsafePointer<Float>?, into mix: UnsafeMutablePointer<Float>, count: Int,
                      channels: Int, levelStep: Float, fadeStep: Float) {
        let other = second ?? voice
        for i in 0..<count {
            if let glide = levelGlide {
                levelGlided += 1
                if levelGlided >= glide.frames {
                    levelTarget = glide.to
                    levelGlide = nil
                } else {
                    levelTarget = glide.from + (glide.to - glide.from) * glide.curve.value(Float(levelGlided) / Float(glide.frames))
                }
            }
            level += max(-levelStep, min(levelStep, levelTarget - level))
            if freeing { freeFade = max(0, freeFade - fadeStep) }
            let gain = level * freeFade
            let sample = voice[i] * gain, otherSample = other[i] * gain
            let frame = mix + i * channels
            if firstChannel < 0 {
                for c in 0..<channels { frame[c] += c & 1 == 0 ? sample : otherSample }
            } else {
                frame[firstChannel] += sample * firstGain
                frame[secondChannel] += otherSample * secondGain
            }
        }
    }
}
