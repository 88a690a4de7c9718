// /fft and /hop over OSC at every block size, at whatever moment they arrive:
// the server keeps playing, and the recording has no hole.

import AutocoderAudio
import AutocoderOSC
import AudioTestSupport
import Foundation
import Testing

@Suite struct ReshapeServerTests {
    /// The reshapes that used to crash the render thread, and back.
    static let reshapes: [(String, [Int])] = [
        ("/hop", [128]), ("/hop", [64]), ("/hop", [32]), ("/fft", [256]), ("/fft", [256, 128]), ("/fft", [512, 128]),
        ("/fft", [4096, 64]), ("/hop", [256]), ("/fft", [16384]), ("/fft", [4096, 512]),
    ]

    @Test(arguments: [64, 256, 1024])
    func reshapesAtAnyBlockSizeLeaveNoHole(block: Int) throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess(["--null-output", "--no-walk", "--block-size", String(block)])
        _ = server.request("/record/start", [.string(directory + "/take.wav")], reply: "/record/started")
        usleep(400_000)
        for (address, values) in Self.reshapes {
            server.send(address, values.map { .int(Int32($0)) })
            usleep(450_000)   // more than the largest FFT's warm-up and crossfade
        }
        let status = server.status()
        #expect(status["fft"] == .int(4096) && status["hop"] == .int(512), "\(status)")
        #expect(status["rejected"] == .int(0))
        _ = server.request("/record/stop", reply: "/record/stopped")
        #expect(server.process.isRunning)

        let take = try SoundFile(contentsOf: directory + "/take.wav")
        let mono = stride(from: 0, to: take.samples.count, by: take.channels).map { take.samples[$0] }
        let windows = stride(from: 4410, through: mono.count - 441, by: 441).map { rms(mono[$0..<$0 + 441]) }
        let median = windows.sorted()[windows.count / 2]
        let lowest = windows.min()!
        #expect(20 * log10f(lowest / median) > -9, "block \(block): a 10 ms window \(20 * log10f(lowest / median)) dB below the median")
        var run = 0, longest = 0
        for v in mono[4410...] { run = v == 0 ? run + 1 : 0; longest = max(longest, run) }
        #expect(longest < 4, "block \(block): \(longest) exact zeros in a row")
    }
}
