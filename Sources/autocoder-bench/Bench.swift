// autocoder-bench: prints performance figures next to their targets.
//
//   swift run -c release autocoder-bench
//
// Figures are measured on one thread; nothing here is a pass/fail test.

import AutocoderDSP
import AutocoderModel
import Foundation

@main
struct Bench {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func main() throws {
        print("autocoder-bench — \(machineDescription())")
        print("")
        print(row("figure", "measured", "target"))
        print(String(repeating: "-", count: 78))
        for (label, anchor, target) in [
            ("decode, full-size shallow (8-1000-512)", "Tests/Fixtures/models/new-full-shallow", "≤ 50 µs"),
            ("decode, full-size deep (8-16-…-1000-512)", "Tests/Fixtures/models/new-full-deep", "—"),
        ] {
            let decoder = try ModelBundle(anchor: root + "/" + anchor, parts: [.decoder]).decoder!
            let timing = decodeTiming(decoder)
            print(row(label + ", µs/call", String(format: "%.1f (p50 %.1f, p99 %.1f)", timing.mean, timing.p50, timing.p99), target))
            let batch = batchThroughput(decoder, batch: 256)
            print(row(label + ", batch 256", String(format: "%.0f frames/s", batch), "—"))
        }
        for fftSize in [4096, 16384] {
            let bank = MelFilterbank(fftSize: fftSize)
            let micros = melToSpectrumTiming(bank)
            print(row("mel -> spectrum (sparse), N = \(fftSize), µs/call", String(format: "%.2f", micros), "O(N)"))
        }
    }

    static func row(_ a: String, _ b: String, _ c: String) -> String {
        a.padding(toLength: 50, withPad: " ", startingAt: 0) + b.padding(toLength: 28, withPad: " ", startingAt: 0) + c
    }

    /// Times single decode calls (the real-time path) one by one.
    static func decodeTiming(_ decoder: Decoder) -> (mean: Double, p50: Double, p99: Double) {
        let latent = UnsafeMutablePointer<Float>.allocate(capacity: decoder.latentCount)
        let output = UnsafeMutablePointer<Float>.allocate(capacity: decoder.outputCount)
        defer { latent.deallocate(); output.deallocate() }
        var state: UInt32 = 1
        func nextLatent() {
            for i in 0..<decoder.latentCount {
                state = state &* 1_664_525 &+ 1_013_904_223
                latent[i] = Float(state >> 8) / Float(1 << 24)
            }
        }
        for _ in 0..<2000 { nextLatent(); decoder.decode(latent, into: output) }
        let calls = 20000
        var samples = [Double](repeating: 0, count: calls)
        var checksum: Float = 0
        for n in 0..<calls {
            nextLatent()
            let start = DispatchTime.now().uptimeNanoseconds
            decoder.decode(latent, into: output)
            samples[n] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1000
            checksum += output[n % decoder.outputCount]
        }
        precondition(checksum.isFinite)
        samples.sort()
        return (samples.reduce(0, +) / Double(calls), samples[calls / 2], samples[calls * 99 / 100])
    }

    static func batchThroughput(_ decoder: Decoder, batch: Int) -> Double {
        let latents = (0..<batch * decoder.latentCount).map { Float(($0 * 7919) % 1000) / 1000 }
        _ = decoder.decode(batch: latents)
        let rounds = 20
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<rounds { _ = decoder.decode(batch: latents) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(rounds * batch) / seconds
    }

    static func melToSpectrumTiming(_ bank: MelFilterbank) -> Double {
        let mel = (0..<bank.filterCount).map { Float($0 % 17) / 17 }
        var spectrum = [Float](repeating: 0, count: bank.binCount)
        let rounds = 5000
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<rounds { bank.melToSpectrum(mel, &spectrum) }
        let micros = Double(DispatchTime.now().uptimeNanoseconds - start) / 1000 / Double(rounds)
        precondition(spectrum[bank.binCount / 2].isFinite)
        return micros
    }

    static func machineDescription() -> String {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?
            .trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        return "\(model), \(ProcessInfo.processInfo.activeProcessorCount) cores, single-threaded figures"
    }
}
