// Rendering without a device: the engine driven as fast as the CPU allows.
// Runs on the calling thread, which acts as the engine's render thread. Its
// blocks are long (32 hops at 512), so each call's hops are decoded in one
// batch.

import AutocoderEngine

public enum OfflineRender {
    /// Renders `frames` output frames from `engine` into `writer`, `block` frames
    /// per call. `beforeBlock` gets the first frame of each call before it is
    /// rendered, to send the commands it should start with (a trajectory's
    /// latent values, one call per hop).
    public static func render(_ engine: SynthesisEngine, frames: Int, into writer: SoundFileWriter, block: Int = 16384,
                              beforeBlock: (_ frame: Int) -> Void = { _ in }) throws {
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: block * engine.channels)
        defer { buffer.deallocate() }
        var remaining = frames
        while remaining > 0 {
            let count = min(block, remaining)
            beforeBlock(frames - remaining)
            engine.render(buffer, frames: count)
            engine.tap.discardAll()
            try writer.write(buffer, frames: count)
            remaining -= count
        }
    }
}

public enum FilterRender {
    /// Peak below which a tail counts as gone: −90 dBFS.
    public static let silence: Float = 3.1623e-5

    /// `input` (mono, at the engine's rate) played through `engine`, whose
    /// filter voices take the device input, then silence until the output has
    /// died away below `silence` for a block of `block` samples (at most
    /// `tailSeconds` after the input). Mono output (the engine's first channel),
    /// as long as the input plus that tail.
    public static func render(_ engine: SynthesisEngine, input: [Float], tailSeconds: Double, block: Int = 4096) -> [Float] {
        let channels = engine.channels
        var output: [Float] = []
        output.reserveCapacity(input.count + Int(tailSeconds * engine.sampleRate))
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: block * channels)
        let silent = UnsafeMutablePointer<Float>.allocate(capacity: block)
        silent.initialize(repeating: 0, count: block)
        defer {
            buffer.deallocate()
            silent.deallocate()
        }
        func play(_ source: UnsafePointer<Float>, _ count: Int) -> Float {
            engine.render(buffer, frames: count, input: source, inputChannels: 1)
            engine.tap.discardAll()
            var peak: Float = 0
            for i in 0..<count {
                output.append(buffer[i * channels])
                peak = max(peak, abs(buffer[i * channels]))
            }
            return peak
        }
        input.withUnsafeBufferPointer { samples in
            var done = 0
            while done < samples.count {
                let count = min(block, samples.count - done)
                _ = play(samples.baseAddress! + done, count)
                done += count
            }
        }
        let most = Int(tailSeconds * engine.sampleRate)
        var tail = 0
        while tail < most {
            let count = min(block, most - tail)
            tail += count
            if play(silent, count) < silence { break }
        }
        return output
    }
}
