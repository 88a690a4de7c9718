// Measurements the tests make on audio: level, spectrum, centroid, similarity.

import AutocoderDSP
import Foundation

public func rms(_ x: ArraySlice<Float>) -> Float {
    (x.reduce(0) { $0 + $1 * $1 } / Float(max(x.count, 1))).squareRoot()
}

public func rms(_ x: [Float]) -> Float { rms(x[...]) }

/// Mean power spectrum of Hann-windowed frames of `size` (half-overlapping), bins 0 ..< size/2.
public func powerSpectrum(_ x: [Float], size: Int = 4096) -> [Double] {
    let fft = RealFFT(size: size)
    let window = periodicHannWindow(size)
    var power = [Double](repeating: 0, count: size / 2)
    var frames = 0
    for start in stride(from: 0, through: x.count - size, by: size / 2) {
        for i in 0..<size { fft.samples[i] = x[start + i] * window[i] }
        fft.forward()
        for k in 0..<size / 2 {
            let re = Double(fft.spectrum[2 * k]), im = Double(fft.spectrum[2 * k + 1])
            power[k] += re * re + im * im
        }
        frames += 1
    }
    return power.map { $0 / Double(max(frames, 1)) }
}

/// Spectral centroid in Hz.
public func centroid(_ power: [Double], sampleRate: Double = 44100) -> Double {
    let binHz = sampleRate / Double(power.count * 2)
    let total = power.reduce(0, +)
    return power.enumerated().reduce(0) { $0 + Double($1.offset) * binHz * $1.element } / total
}

/// Pearson correlation of log power between a sound's averaged STFT (frames
/// of `size`) and a linear spectrum `reference` (magnitude k at
/// k × 22050 / reference.count Hz, interpolated at the analysis bins), between
/// `low` and `high` Hz: how well the sound follows the spectrum.
public func logSpectrumCorrelation(_ sound: [Float], size: Int, sampleRate: Double, reference: [Float],
                                   low: Double = 100, high: Double = 16000) -> Double {
    let power = powerSpectrum(sound, size: size)
    var ours: [Double] = [], theirs: [Double] = []
    for b in power.indices {
        let hz = Double(b) * sampleRate / Double(size)
        guard hz >= low, hz <= high else { continue }
        let position = hz / (22050 / Double(reference.count))
        let k = min(Int(position), reference.count - 1), t = position - Double(k)
        let magnitude = Double(reference[k]) * (1 - t) + Double(reference[min(k + 1, reference.count - 1)]) * t
        ours.append(log(power[b] + 1e-30))
        theirs.append(log(magnitude * magnitude + 1e-30))
    }
    return pearson(ours, theirs)
}

public func pearson(_ a: [Double], _ b: [Double]) -> Double {
    let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
    var sab = 0.0, saa = 0.0, sbb = 0.0
    for (x, y) in zip(a, b) {
        sab += (x - ma) * (y - mb)
        saa += (x - ma) * (x - ma)
        sbb += (y - mb) * (y - mb)
    }
    return sab / (saa * sbb).squareRoot()
}

/// Writes a C-ordered little-endian int64 .npy file.
public func writeNumPyInt64(_ values: [Int64], shape: [Int], to path: String) throws {
    var header = "{'descr': '<i8', 'fortran_order': False, 'shape': (\(shape.map(String.init).joined(separator: ", "))\(shape.count == 1 ? "," : "")), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
    bytes += Array(header.utf8)
    for value in values { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Level in dBFS of an RMS value (−240 for silence).
public func decibels(_ value: Float) -> Double { 20 * log10(max(Double(value), 1e-12)) }

/// Pairs of neighbouring samples that hold the same value above −12 dBFS: the
/// signature of hard clipping at any ceiling (a flat top), which a limited or
/// unclipped random-phase signal never shows.
public func flatTopSamples(_ x: [Float]) -> Int {
    guard x.count > 1 else { return 0 }
    return (1..<x.count).reduce(0) { $0 + (abs(x[$1]) > 0.25 && x[$1] == x[$1 - 1] ? 1 : 0) }
}
