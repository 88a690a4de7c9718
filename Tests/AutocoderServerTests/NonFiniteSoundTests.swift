// Sound files holding NaN or infinity, sent to the server as an autocode input
// or a granular source: refused with /error naming the file and the samples,
// while the sound plays on.

import AudioTestSupport
import AutocoderOSC
import Foundation
import Testing

@Suite struct NonFiniteSoundTests {
    @Test func soundsWithNonFiniteSamplesAreRefusedByTheServer() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var samples = TestSoundFiles.tone(seconds: 2)
        for (index, value) in [(22050, Float.nan), (30000, .infinity), (40000, -.infinity)] { samples[index] = value }
        let path = directory + "/broken.wav"
        try TestSoundFiles.writeFloatWAV(samples, to: path)
        let frames = MelFrames.count(samples.count)
        try writeNumPyInt64((0..<frames).map { Int64(($0 + 1) % frames) }, shape: [frames, 1], to: path + ".ord.npy")

        let server = try ServerProcess()
        let expected = "\(path): contains 3 non-finite samples (first at 0.500 s)"
        #expect(server.expectError("/autocode/input", [.string(path)]).contains(expected))
        #expect(server.expectError("/load/granular", [.string(path)]).contains(expected))
        let status = server.status()
        #expect(status["playing"] == .int(1) && status["autocode_input"] != .string(path))
    }
}

/// Training frames of a sound of `count` samples (the analysis's count plus its trailing row).
enum MelFrames {
    static func count(_ samples: Int) -> Int { Int((Double(samples) / 1024).rounded(.toNearestOrEven)) - 16 + 1 }
}
