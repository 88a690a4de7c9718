// Rendering without a device: the engine driven as fast as the CPU allows.
// Runs on the calling thread, which acts as the engine's render thread. Its
// blocks are long (32 hops at 512), so each call's hops are decoded in one
// batch.

import AutocoderEngine

public enum OfflineRender {
    /// Renders `frames` output frames from `engine` into `writer`.
    public static func render(_ engine: SynthesisEngine, frames: Int, into writer: SoundFileWriter, block: Int = 16384) throws {
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: block * engine.channels)
        defer { buffer.deallocate() }
        var remaining = frames
        while remaining > 0 {
            let count = min(block, remaining)
            engine.render(buffer, frames: count)
            engine.tap.discardAll()
            try writer.write(buffer, frames: count)
            remaining -= count
        }
    }
}
