// A model that overflows to NaN, loaded into the live server: nothing
// non-finite reaches the recording, /status counts it, and the next good model
// plays at once.

import AutocoderAudio
import AutocoderModel
import AutocoderOSC
import AudioTestSupport
import Foundation
import Testing

@Suite struct NonFiniteServerTests {
    @Test func anOverflowingModelIsSilencedCountedAndReplaced() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Finite weights (so the file is accepted) whose products overflow: inf - inf = NaN.
        let hidden = DenseLayer(weights: [Float](repeating: 1e30, count: 16), bias: [0, 0], inputs: 8, outputs: 2)
        let output = DenseLayer(weights: (0..<1024).map { $0 % 2 == 0 ? 1e30 : -1e30 }, bias: [Float](repeating: 0, count: 512),
                                inputs: 2, outputs: 512)
        let anchor = directory + "/overflow.wav"
        try Data(TFLiteWriter.decoder([hidden, output])).write(to: URL(fileURLWithPath: anchor + ".dec"))
        try FileManager.default.copyItem(atPath: Binaries.bundledModel + ".mm", toPath: anchor + ".mm")

        let server = try ServerProcess()
        // Held where every hop overflows (the hidden units' sum is positive there; where it
        // is not, the ReLU makes the frame a finite 0).
        server.send("/walk", [.int(0)])
        server.send("/latent", (0..<8).map { _ in .float(1) })
        _ = server.request("/record/start", [.string(directory + "/take.wav")], reply: "/record/started")
        usleep(300_000)
        _ = server.request("/load/decoder", [.string(anchor)], reply: "/loaded")
        usleep(500_000)
        let counted = server.status()["nonfinite"]?.int ?? 0
        #expect(counted > 10, "NaN hops counted: \(counted)")
        _ = server.request("/load/decoder", [.string(Binaries.bundledModel)], reply: "/loaded")
        usleep(500_000)
        _ = server.request("/record/stop", reply: "/record/stopped")

        let take = try SoundFile(contentsOf: directory + "/take.wav")
        #expect(take.samples.allSatisfy { $0.isFinite }, "nothing non-finite in the recording")
        let frames = take.samples.count / take.channels
        let tail = take.samples[((frames - 11025) * take.channels)...]
        #expect(rms(tail) > 0.01, "the good model plays again")
        #expect(server.process.isRunning)
    }
}
