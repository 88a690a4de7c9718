import ArgumentParser
import AutocoderEngine

/// Starting values of the engine's controls, shared by `render` and `serve`.
struct SynthesisOptions: ParsableArguments {
    @Option(help: "FFT size: a power of two from 256 to 16384.", transform: NegativeNumbers.int)
    var fft: Int = SynthesisShape.standard.fftSize

    @Option(help: "Hop between synthesis frames: a power of two from 32 to fft/2 (default 512, or fft/2 when that is less).",
            transform: NegativeNumbers.int)
    var hop: Int?

    @Option(help: "Seconds to glide to a new latent target (0 to 10).", transform: NegativeNumbers.float)
    var glide: Float?

    @Option(help: "Largest random-walk step per dimension (0 to 1).", transform: NegativeNumbers.float)
    var walkStep: Float?

    @Option(help: "Seconds between random-walk steps (0.001 to 60).", transform: NegativeNumbers.float)
    var walkInterval: Float?

    @Option(help: "Brightness b: mel band i is scaled by (i/512)^b (0 to 2; 0 = off).", transform: NegativeNumbers.float)
    var brightness: Float?

    @Option(help: "Whitening w: mel values raised to w (0.001 to 2; 1 = off, lower flattens); for `filter`, the input's spectrum (default 0.5).", transform: NegativeNumbers.float)
    var whitening: Float?

    @Option(help: "Feedback f: each mel frame mixed with the last (0 to 0.999).", transform: NegativeNumbers.float)
    var feedback: Float?

    @Option(help: "Spectral smoothing across hops (0 to 0.999).", transform: NegativeNumbers.float)
    var smoothing: Float?

    @Option(help: "Output gain, linear (0 to 4).", transform: NegativeNumbers.float)
    var gain: Float?

    @Option(help: "Phase of the spectrum: random (a fresh one per hop, the published method), pghi (phase-gradient heap integration: follows the spectrum, clearer pitch) or coherent (each bin at its centre frequency; a baseline).")
    var phase: PhaseMode = .random

    @Option(help: "Width with two or more channels: 0 = the same signal on each, 1 = the same spectrum with independent phases (0 to 1; default 1).",
            transform: NegativeNumbers.float)
    var width: Float?

    @Option(help: "Seed of the random walk and the random phases.")
    var seed: UInt64 = 1

    @Flag(help: "Hold the latent values instead of walking.")
    var noWalk = false

    var settings: [(EngineParameter, Float)] {
        let given: [(EngineParameter, Float?)] = [
            (.glide, glide), (.walkStep, walkStep), (.walkInterval, walkInterval), (.brightness, brightness),
            (.whitening, whitening), (.feedback, feedback), (.smoothing, smoothing), (.gain, gain), (.width, width),
        ]
        return given.compactMap { parameter, value in value.map { (parameter, $0) } }
    }

    func shape() throws -> SynthesisShape {
        switch SynthesisShape.validated(fftSize: fft, hop: hop ?? SynthesisShape.defaultHop(fftSize: fft)) {
        case let .success(shape): return shape
        case let .failure(error): throw ValidationError(error.reason)
        }
    }

    func validate() throws {
        _ = try shape()
        for (parameter, value) in settings where !parameter.range.contains(value) {
            throw ValidationError("--\(parameter.rawValue.replacingOccurrences(of: "/", with: "-")) \(value) is outside \(parameter.range.lowerBound)…\(parameter.range.upperBound)")
        }
    }

    /// Queues the given settings to `voice` of `engine` (the gain is the engine's).
    func apply(to engine: SynthesisEngine, voice: Int = 1) {
        for (parameter, value) in settings { engine.send(.parameter(parameter, value), to: voice) }
        engine.send(.phase(phase), to: voice)
    }
}

extension PhaseMode: ExpressibleByArgument {}
