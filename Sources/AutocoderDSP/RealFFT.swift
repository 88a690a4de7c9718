// Real FFTs of one size through FFTW (single precision), with their buffers.
//
// Threading: FFTW's planner is not thread-safe, so `init` takes a process-wide
// lock; build transforms off the audio thread. `inverse()` / `forward()` only
// execute a finished plan on the object's own buffers: no allocation, no
// locks, so the audio thread may call them (one thread per object).

internal import CFFTW3
import Foundation

public final class RealFFT: @unchecked Sendable {
    public let size: Int
    /// size / 2 + 1 complex bins, interleaved (re, im). Input of `inverse`, output of `forward`.
    public let spectrum: UnsafeMutablePointer<Float>
    /// `size` real samples. Output of `inverse`, input of `forward`.
    public let samples: UnsafeMutablePointer<Float>

    private let inversePlan: fftwf_plan
    private let forwardPlan: fftwf_plan
    private static let plannerLock = NSLock()

    /// Plans both directions for `size` (even, ≥ 2).
    public init(size: Int) {
        precondition(size >= 2 && size % 2 == 0, "FFT size must be even")
        self.size = size
        spectrum = fftwf_malloc(MemoryLayout<Float>.size * (size + 2))!.bindMemory(to: Float.self, capacity: size + 2)
        samples = fftwf_malloc(MemoryLayout<Float>.size * size)!.bindMemory(to: Float.self, capacity: size)
        spectrum.initialize(repeating: 0, count: size + 2)
        samples.initialize(repeating: 0, count: size)
        let complex = UnsafeMutableRawPointer(spectrum).bindMemory(to: fftwf_complex.self, capacity: size / 2 + 1)
        Self.plannerLock.lock()
        inversePlan = fftwf_plan_dft_c2r_1d(Int32(size), complex, samples, UInt32(FFTW_ESTIMATE))!
        forwardPlan = fftwf_plan_dft_r2c_1d(Int32(size), samples, complex, UInt32(FFTW_ESTIMATE))!
        Self.plannerLock.unlock()
    }

    deinit {
        Self.plannerLock.lock()
        fftwf_destroy_plan(inversePlan)
        fftwf_destroy_plan(forwardPlan)
        Self.plannerLock.unlock()
        fftwf_free(spectrum)
        fftwf_free(samples)
    }

    /// samples = unnormalised inverse of spectrum: x[n] = Σ_k X[k] e^{2πikn/N}
    /// over the full Hermitian spectrum. Overwrites `spectrum`. Real-time safe.
    @inline(__always)
    public func inverse() { fftwf_execute(inversePlan) }

    /// spectrum = forward transform of samples (unnormalised). Real-time safe.
    @inline(__always)
    public func forward() { fftwf_execute(forwardPlan) }
}

/// The periodic (DFT-even) Hann window of length n: its shifts by n/k sum to
/// the constant k/2, which is what makes normalised overlap-add exact.
public func periodicHannWindow(_ n: Int) -> [Float] {
    (0..<n).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(n))) }
}
