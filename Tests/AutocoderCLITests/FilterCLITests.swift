// `autocoder filter` as a user runs it: the same file for the same seed, a
// file as long as the input and its tail (which ends below −90 dBFS), and a
// clear error for a bad control.

import AudioTestSupport
import Foundation
import Testing

@Suite struct FilterCLITests {
    static let model = CLI.root + "/models/drone.wav"
    static let input = CLI.root + "/Tests/Fixtures/sounds/complete.oga"

    @Test func theSameSeedGivesTheSameFileAndTheTailDiesAway() throws {
        let directory = NSTemporaryDirectory() + "autocoder-filter-cli-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var files: [[Float]] = []
        for name in ["a.wav", "b.wav"] {
            let result = try CLI.run(["filter", Self.model, Self.input, "--tail", "0.8", "--predelay", "0.1", "--whitening", "0.2",
                                      "--autofilter", "0.3", "--seed", "7", "--out", directory + "/" + name])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("tail:"), "\(result.stdout)")
            files.append(try #require(TestSoundFiles.readFloatWAV(directory + "/" + name)).samples)
        }
        #expect(files[0] == files[1])
        let samples = files[0]
        // complete.oga lasts 1.1 s; the tail goes on, and the file ends once a block is below −90 dBFS.
        #expect(samples.count > Int(1.5 * 44100))
        #expect(samples.count < Int(21.2 * 44100))
        #expect(samples.suffix(4096).allSatisfy { abs($0) < 3.2e-5 })
        #expect(samples.allSatisfy { $0.isFinite && abs($0) < 0.9 })
    }

    @Test func aControlOutOfRangeIsNamed() throws {
        let result = try CLI.run(["filter", Self.model, Self.input, "--tail", "1.5", "--out", NSTemporaryDirectory() + "never.wav"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--tail 1.5 is outside 0.0…0.99"), "\(result.stderr)")
    }
}
