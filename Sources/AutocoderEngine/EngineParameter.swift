import Foundation

// The engine's continuous controls, with their ranges and defaults: the one
// place both the render thread and the OSC layer take them from.

public enum EngineParameter: String, CaseIterable, Sendable {
    /// Seconds for the voice to glide to a new latent target (one-pole, ~63% per glide time).
    case glide
    /// Largest random-walk step per dimension: v += (u - 0.5) * step.
    case walkStep = "walk/step"
    /// Seconds between random-walk steps.
    case walkInterval = "walk/interval"
    /// m *= (i / mels)^b on the mel frame; 0 leaves it unchanged, higher darkens the bottom.
    case brightness
    /// m = m^w * maxin / 32 on the mel frame: below 1 flattens (whitens) the
    /// spectrum. A filter voice whitens its input frame instead: (|X| / peak)^w.
    case whitening
    /// m = (1 - f) m + f m_previous: smears mel frames over time.
    case feedback
    /// One-pole smoothing of the linear spectrum across hops: s = (1 - a) spectrum + a s.
    case smoothing
    /// Output gain, linear.
    case gain
    /// Filter voices: the share of a slow per-bin average of the filtered
    /// spectrum (0.9 old, 0.1 new) taken away from it, floored at 0.
    case autofilter
    /// Filter voices: the gain with which the voice's filtered output, delayed by
    /// `predelay`, comes back into its input (a recirculating tail).
    case tail
    /// Filter voices: seconds of delay before the output comes back as input.
    case predelay
    /// Filter voices: 1 = all filtered, 0 = all the dry input.
    case mix
    /// Generative voices on two or more channels: 0 = the same signal on each,
    /// 1 = the same spectrum with independent phases (decorrelated channels).
    case width

    public var range: ClosedRange<Float> {
        switch self {
        case .glide: 0...10
        case .walkStep: 0...1
        case .walkInterval: 0.001...60
        case .brightness: 0...2
        case .whitening: 0.001...2
        case .feedback: 0...0.999
        case .smoothing: 0...0.999
        case .gain: 0...4
        case .autofilter: 0...1
        case .tail: 0...0.99
        case .predelay: 0...2
        case .mix: 0...1
        case .width: 0...1
        }
    }

    /// The kinds of voice that take it (the master gain is the engine's).
    public var kinds: Set<VoiceKind> {
        switch self {
        case .gain: []
        case .width: [.generative]
        case .autofilter, .tail, .predelay, .mix: [.filter]
        case .glide, .walkStep, .walkInterval, .brightness, .whitening, .feedback, .smoothing: [.generative, .filter]
        }
    }

    /// Its value in a new voice of `kind`: a filter voice starts with its input
    /// half whitened.
    public func defaultValue(for kind: VoiceKind) -> Float {
        kind == .filter && self == .whitening ? 0.5 : defaultValue
    }

    public var defaultValue: Float {
        switch self {
        case .glide: 0.05
        case .walkStep: 0.1
        case .walkInterval: 0.05
        case .brightness: 0
        case .whitening: 1
        case .feedback: 0
        case .smoothing: 0.9
        case .gain: 1
        case .autofilter: 0
        case .tail: 0
        case .predelay: 0.05
        case .mix: 1
        case .width: 1
        }
    }
}

/// FFT size and hop of the synthesis, validated together.
public struct SynthesisShape: Equatable, Sendable {
    public let fftSize: Int
    public let hop: Int

    public static let fftSizes = 256...16384
    public static let standard = SynthesisShape(uncheckedFFTSize: 4096, hop: 512)

    private init(uncheckedFFTSize: Int, hop: Int) {
        self.fftSize = uncheckedFFTSize
        self.hop = hop
    }

    /// nil with a reason when the pair is unusable: both powers of two, fft in
    /// 256…16384, hop in 32…fft/2 (so the Hann windows overlap-add exactly).
    public static func validated(fftSize: Int, hop: Int) -> Result<SynthesisShape, ShapeError> {
        guard fftSizes.contains(fftSize), fftSize & (fftSize - 1) == 0 else {
            return .failure(ShapeError(reason: "FFT size \(fftSize) must be a power of two from 256 to 16384"))
        }
        guard hop >= 32, hop <= fftSize / 2, hop & (hop - 1) == 0 else {
            return .failure(ShapeError(reason: "hop \(hop) must be a power of two from 32 to half the FFT size (\(fftSize / 2))"))
        }
        return .success(SynthesisShape(uncheckedFFTSize: fftSize, hop: hop))
    }

    /// The hop that goes with `fftSize` when none is asked for: `current` (the
    /// hop in use, or the standard 512), or half the FFT size when that is less.
    /// `/fft SIZE` and the commands' `--fft` without `--hop` share this rule.
    public static func defaultHop(keeping current: Int = standard.hop, fftSize: Int) -> Int {
        min(current, fftSize / 2)
    }

    /// The shape that keeps this one's bin width and hop duration at `sampleRate`:
    /// sizes are given for the models' 44.1 kHz and scaled to the nearest power
    /// of two (4096/512 becomes 8192/1024 at 96 kHz and stays 4096/512 at 48 kHz).
    public func scaled(toSampleRate sampleRate: Double) -> SynthesisShape {
        func scale(_ size: Int) -> Int {
            let exact = Double(size) * sampleRate / 44100
            return 1 << Int((log2(exact)).rounded())
        }
        let fft = min(max(scale(fftSize), Self.fftSizes.lowerBound), Self.fftSizes.upperBound)
        return SynthesisShape(uncheckedFFTSize: fft, hop: min(max(scale(hop), 32), fft / 2))
    }

    public struct ShapeError: Error, CustomStringConvertible, Sendable {
        public let reason: String
        public var description: String { reason }
    }
}
