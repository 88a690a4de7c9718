// One voice's rows of a latent trajectory, as a function of time: linear
// interpolation between rows, the first and last rows held beyond the ends.
// Values; any thread. `value(at:into:)` does not allocate.

public struct LatentPath: Sendable {
    /// Increasing times in samples, one per row.
    public let times: [Double]
    /// Row after row, latentCount values each.
    public let latents: [Float]
    public let latentCount: Int

    public init(times: [Double], latents: [Float], latentCount: Int) {
        precondition(!times.isEmpty && latents.count == times.count * latentCount)
        self.times = times
        self.latents = latents
        self.latentCount = latentCount
    }

    /// The latent values at `time` samples into `output` (latentCount values).
    public func value(at time: Double, into output: UnsafeMutablePointer<Float>) {
        // The first row after `time`.
        var low = 0, high = times.count
        while low < high {
            let middle = (low + high) / 2
            if times[middle] <= time { low = middle + 1 } else { high = middle }
        }
        let n = latentCount
        if low == 0 || low == times.count {
            let row = low == 0 ? 0 : times.count - 1
            for d in 0..<n { output[d] = latents[row * n + d] }
            return
        }
        let a = low - 1, b = low
        let w = Float((time - times[a]) / (times[b] - times[a]))
        for d in 0..<n { output[d] = latents[a * n + d] + (latents[b * n + d] - latents[a * n + d]) * w }
    }
}
