// A model's level, measured once at load, and the make-up gain that puts its
// loudest point at one reference level, so that every model plays about as
// loud at gain 1 (the published chain leaves some clipping and others near
// silence) while keeping its own dynamics between points.
//
// The measure: the model decoded at a deterministic set of latent points
// (centre, corners, random interior points), each frame taken through the same
// steps as a generative hop at the default controls (× maxin/32, the running
// FFT's bins, tilt) to its spectral power, which is the output's mean power:
// random-phase overlap-add keeps power (`SynthesisKernel`), so the level is
// known exactly without rendering, and it does not depend on the FFT size or
// the rate, so one figure holds after a reshape.
//
// Threading: built off the audio thread (it decodes and allocates); immutable.

import AutocoderDSP
import AutocoderModel
import Foundation

public struct LevelCalibration: Sendable {
    /// Where the loudest point of every model sits at gain 1: dBFS RMS.
    public static let referenceLevel = -14.0
    /// The make-up gain's bounds, dB: a model that is all but silent is not
    /// raised into its own noise floor (a matrix far from a filterbank can
    /// need −50 dB).
    public static let makeUpRange = -100.0...40.0

    /// Output RMS, dBFS at gain 1 without make-up, of the loudest and quietest points.
    public let loudest: Double
    public let quietest: Double
    public let pointCount: Int
    public let makeUpDecibels: Double
    /// Wall time the measure took.
    public let seconds: Double

    public var makeUpGain: Float { Float(pow(10, makeUpDecibels / 20)) }

    /// Measures `decoder` (with its training data's `maxIn`) as it plays at
    /// `shape` and `sampleRate`.
    public init(decoder: Decoder, maxIn: Double, shape: SynthesisShape = .standard,
                sampleRate: Double = SynthesisKernel.referenceSampleRate) {
        let started = Date()
        let points = Self.latentPoints(dimensions: decoder.latentCount)
        let frames = decoder.decode(batch: points.flatMap { $0 })
        let map = SpectrumMap(layout: decoder.layout, fftSize: shape.fftSize, sampleRate: sampleRate)
        let bins = shape.fftSize / 2
        let tilt = (0..<bins).map { SynthesisKernel.tilt(hz: Double($0) * sampleRate / Double(shape.fftSize)) }
        let count = decoder.outputCount, level = Float(maxIn / 32)
        var frame = [Float](repeating: 0, count: count)
        var magnitude = [Float](repeating: 0, count: bins)
        var levels: [Double] = []
        for p in points.indices {
            for i in 0..<count { frame[i] = frames[p * count + i] * level }
            frame.withUnsafeBufferPointer { f in magnitude.withUnsafeMutableBufferPointer { map.magnitudes(of: f.baseAddress!, into: $0.baseAddress!) } }
            // As a hop plays it: no DC, each bin clipped and tilted.
            var power = 0.0
            for b in 1..<bins {
                let m = Double(min(max(magnitude[b], 0), 10000) * tilt[b])
                power += m * m
            }
            let rms = (power / Double(bins)).squareRoot() * SynthesisKernel.levelScale(sampleRate: sampleRate)
            levels.append(20 * log10(max(rms, 1e-12)))
        }
        loudest = levels.max() ?? -240
        quietest = levels.min() ?? -240
        pointCount = points.count
        makeUpDecibels = loudest <= -200 ? 0
            : min(max(Self.referenceLevel - loudest, Self.makeUpRange.lowerBound), Self.makeUpRange.upperBound)
        seconds = Date().timeIntervalSince(started)
    }

    /// The points measured, the same every time: the centre; every corner of
    /// the latent cube up to 6 dimensions, else all-0, all-1 and 46 corners
    /// drawn at random; and 16 random interior points.
    public static func latentPoints(dimensions: Int) -> [[Float]] {
        var random = SplitMix64(seed: 0x1E7E_1CA1)
        var points: [[Float]] = [[Float](repeating: 0.5, count: dimensions)]
        if dimensions <= 6 {
            for corner in 0..<(1 << dimensions) {
                points.append((0..<dimensions).map { Float((corner >> $0) & 1) })
            }
        } else {
            points.append([Float](repeating: 0, count: dimensions))
            points.append([Float](repeating: 1, count: dimensions))
            for _ in 0..<46 { points.append((0..<dimensions).map { _ in Float(random.next() & 1) }) }
        }
        for _ in 0..<16 { points.append((0..<dimensions).map { _ in Float(random.next() >> 40) / Float(1 << 24) }) }
        return points
    }

    /// For `info` and the load log: "make-up +6.1 dB: -14.0 to -35.2 dBFS RMS at gain 1 over 65 latent points (4 ms)".
    public var summary: String {
        String(format: "make-up %+.1f dB: %.1f to %.1f dBFS RMS at gain 1 over %d latent points (%.1f ms)",
               makeUpDecibels, loudest + makeUpDecibels, quietest + makeUpDecibels, pointCount, seconds * 1000)
    }
}
