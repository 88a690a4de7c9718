// A path with a space that a client split in two (issue 13, item 14): Pd sends
// `record/start my take.wav` as two strings. The refusal says what probably
// happened instead of only complaining about the format.

import AutocoderOSC
import Foundation
import Testing

@Suite struct SplitPathTests {
    @Test func aSplitPathIsNamedAsSuch() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess(["--null-output", "--root", directory])
        let hint = "was a path with a space split in two? Send it as one string"
        let record = server.expectError("/record/start", [.string("my"), .string("take.wav")])
        #expect(record.contains("format must be \"float\" or \"24\", not \"take.wav\"") && record.contains(hint), "\(record)")
        let three = server.expectError("/record/start", [.string("my"), .string("new"), .string("take.wav")])
        #expect(three.contains("expected 0 to 2 arguments, got 3") && three.contains(hint), "\(three)")
        for address in ["/load", "/load/decoder", "/load/encoder", "/load/distance", "/load/granular", "/autocode/input"] {
            let reason = server.expectError(address, [.string("my"), .string("model.wav")])
            #expect(reason.contains(hint), "\(address): \(reason)")
        }
        // A format that is only wrong gets no such guess.
        let mp3 = server.expectError("/record/start", [.string("take.wav"), .string("mp3")])
        #expect(mp3.contains("not \"mp3\"") && !mp3.contains(hint), "\(mp3)")
        // One path with a space, and the format as a number (Pd and Max send 24 so), are fine.
        #expect(server.request("/record/start", [.string("my take.wav"), .int(24)], reply: "/record/started")?.arguments
            == [.string(directory + "/my take.wav")])
        _ = server.request("/record/stop", reply: "/record/stopped")
    }
}
