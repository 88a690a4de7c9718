// What scheduled commands cost the render callback (block 256, 4096/512, the
// bundled model, 1 and 8 walking generative voices): none scheduled (the
// cost every call pays for the schedule: a look at an empty queue and heap,
// and the clock's anchor); 8 due in each call, each at its own frame (the
// call split into 9 parts, each decoded ahead on its own); the schedule full
// (4096 pending, none due); 8 already past in each call (applied at its start).
// The CPU time per call includes the scheduling between calls (a few µs).

import AutocoderEngine
import AutocoderModel

extension Bench {
    static func scheduledCommands(model: String) throws {
        let bundle = try ModelBundle(anchor: model, parts: [.decoder])
        for voices in [1, 8] {
            for mode in ["none scheduled", "8 due in each call", "4096 pending, none due", "8 late in each call"] {
                let engine = SynthesisEngine(model: try LoadedModel(bundle: bundle), shape: .standard, sampleRate: 44100,
                                             channels: 2, walking: true, tapSeconds: 1, maxVoices: 16)
                let block = UnsafeMutablePointer<Float>.allocate(capacity: 256 * 2)
                engine.render(block, frames: 256)   // the block size, for spreading the voices' hops
                block.deallocate()
                for id in 2...max(2, voices) where voices > 1 {
                    try engine.addGenerativeVoice(id: id, model: try LoadedModel(bundle: bundle), out: 1 + id % 2)
                }
                if mode.hasPrefix("4096") {
                    for i in 0..<SynthesisEngine.scheduleCapacity { try engine.send(.level(1), to: 1 + i % voices, atFrame: Int.max / 2 + i) }
                }
                let cpuBefore = threadCPUSeconds()
                let load = callbackLoad(engine, block: 256, seconds: 10) { call in
                    guard mode.hasPrefix("8") else { return }
                    // The next call's frames, or the one just rendered.
                    let start = engine.renderedFrame + (mode.hasPrefix("8 due") ? 0 : -256)
                    for i in 0..<8 {
                        let id = 1 + i % voices, frame = start + 5 + i * 31
                        let command: VoiceCommand = switch i % 4 {
                        case 0: .level(call % 2 == 0 ? 0.9 : 1)
                        case 1: .latent(LatentVector((0..<8).map { Float((call + $0 * 11) % 100) / 100 }))
                        case 2: .parameter(.brightness, call % 2 == 0 ? 0.2 : 0.3)
                        default: .parameter(.gain, call % 2 == 0 ? 0.95 : 1)
                        }
                        try? engine.send(command, to: id, atFrame: frame)
                    }
                }
                // The thread's own CPU time per call as well: the load's wall-clock time also counts other processes' turns.
                let cpu = (threadCPUSeconds() - cpuBefore) / Double(10 * 44100 / 256) * 1e6
                print(row("callback load 256, \(voices) voice\(voices == 1 ? "" : "s"): \(mode)",
                          String(format: "%.2f%% mean, p99 %.1f%%, %.1f µs CPU/call", load.mean, load.p99, cpu), "—"))
            }
        }
    }
}
