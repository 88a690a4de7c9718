// Control latency while a slow request loads: /status round trips (sent,
// answered, received over loopback UDP) while a three-minute /autocode/input
// is read and its range learnt, in an in-process server with the null output.
// Before the load worker, these waited seconds for the analysis.

import AutocoderAudio
import AutocoderDSP
import AutocoderOSC
import AutocoderServer
import Foundation
import Histogram

extension Bench {
    static func controlLatencyDuringLoad(model: String) throws -> (p50: Double, p99: Double, max: Double, count: Int, loadSeconds: Double) {
        let folder = NSTemporaryDirectory() + "autocoder-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var random = SplitMix64(seed: 8)
        let input = folder + "/three-minutes.wav"
        let writer = try SoundFileWriter(path: input, channels: 1, sampleRate: 44100)
        try writer.write((0..<180 * 44100).map { i in
            0.2 * sinf(2 * .pi * Float(110 << ((i / 132_300) % 4)) * Float(i) / 44100) + 0.05 * (Float(random.next() >> 40) / Float(1 << 24) - 0.5)
        })
        try writer.close()

        let running = try InProcessServer(model: model)
        defer { running.stop() }
        let client = running.client
        Thread.sleep(forTimeInterval: 0.3)

        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000)
        let started = DispatchTime.now().uptimeNanoseconds
        running.send(OSCMessage("/autocode/input", [.string(input)]))
        var loaded = false
        while !loaded, DispatchTime.now().uptimeNanoseconds - started < 120_000_000_000 {
            let sent = DispatchTime.now().uptimeNanoseconds
            running.send(OSCMessage("/status"))
            var answered = false
            while !answered, let (bytes, _) = client.receive(timeout: 10) {
                for message in (try? OSCCodec.decode(bytes)) ?? [] {
                    if message.address == "/status" { answered = true }
                    if message.address == "/autocode/input" || message.address == "/error" { loaded = true }
                }
            }
            if answered { histogram.record((DispatchTime.now().uptimeNanoseconds - sent) / 1000) }
            usleep(UInt32.random(in: 2000...10000))
        }
        let loadSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return (Double(histogram.valueAtPercentile(50)) / 1000, Double(histogram.valueAtPercentile(99)) / 1000,
                Double(histogram.max) / 1000, Int(histogram.totalCount), loadSeconds)
    }
}
