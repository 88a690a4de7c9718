// What filter voices cost: the render callback's load at block 256 (4096/512,
// the bundled shallow model) with one filter voice and with four, each on a
// looped noise input at its own walking latent point (voice 1 silent, so the
// figure is the filter voices' own: their hop FFTs both ways, on top of what a
// generative voice does).
//
//   autocoder-bench filter    (these rows only)

import AutocoderDSP
import AutocoderEngine
import AutocoderModel

extension Bench {
    static func filterVoices(model: String) throws {
        let bundle = try ModelBundle(anchor: model, parts: [.decoder])
        var random = SplitMix64(seed: 7)
        let noise = SoundLoop(name: "noise", samples: (0..<10 * 44100).map { _ in 0.3 * (Float(random.next() >> 40) / Float(1 << 24) - 0.5) })
        for count in [1, 4] {
            let engine = SynthesisEngine(model: try LoadedModel(bundle: bundle), shape: .standard, sampleRate: 44100,
                                         channels: 2, walking: true, playing: false, tapSeconds: 1)
            // A first block tells the engine the device's block size, as a live server's would.
            let block = UnsafeMutablePointer<Float>.allocate(capacity: 256 * 2)
            engine.render(block, frames: 256)
            block.deallocate()
            for id in 2..<(count + 2) {
                try engine.addGenerativeVoice(id: id, model: try LoadedModel(bundle: bundle), out: 1 + id % 2, filter: .loop(noise))
                engine.send(.latent(LatentVector((0..<8).map { Float((id * 37 + $0 * 11) % 100) / 100 })), to: id)
            }
            let load = callbackLoad(engine, block: 256, seconds: 10)
            print(row("callback load, 4096/512, block 256, \(count) filter voice\(count == 1 ? "" : "s")",
                      String(format: "%.1f%% mean, p99 %.1f%%, max %.1f%%", load.mean, load.p99, load.max), "—"))
        }
    }
}
