// Timed bundles over UDP, as a sequencer sends them ahead of time: two
// `/gain` changes 0.6 s and 1.6 s ahead, in bundles nested in one sent at
// once, step the recorded level exactly 1.0 s apart (not at arrival); a past
// time tag acts at once and is counted late; a full schedule refuses with
// /error and the server plays on.

import AudioTestSupport
import AutocoderAudio
import AutocoderOSC
import Foundation
import Testing

@Suite struct TimedBundleTests {
    static func bundle(_ time: OSCTimeTag, _ messages: [OSCMessage]) -> OSCBundleElement {
        .bundle(time: time, elements: messages.map { .message($0) })
    }

    @Test func gainStepsLandAtTheirTimesOneSecondApart() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess(["--null-output", "--no-walk"])
        _ = server.request("/record/start", [.string(directory + "/timed.wav")], reply: "/record/started")
        usleep(300_000)
        let sentAt = server.status()["recorded_frames"]?.int ?? 0
        let now = Date().timeIntervalSince1970
        server.sendRaw(OSCCodec.encodeBundle(time: .immediately, elements: [
            Self.bundle(OSCTimeTag(unixTime: now + 0.6), [OSCMessage("/gain", [.float(0)])]),
            Self.bundle(OSCTimeTag(unixTime: now + 1.6), [OSCMessage("/gain", [.float(1)])]),
        ]))
        usleep(2_300_000)
        _ = server.request("/record/stop", reply: "/record/stopped")
        let take = try SoundFile(contentsOf: directory + "/timed.wav").channel(0)

        // The gain ramps over 20 ms (882 samples): to exact silence, and out of it from its first sample.
        let ramp = 882
        let silent = try #require((0..<take.count - 400).first { i in take[i..<i + 400].allSatisfy { $0 == 0 } }, "no silence in the take")
        let sounding = try #require((silent..<take.count).first { take[$0] != 0 }, "the sound did not come back")
        let apart = sounding - (silent - ramp)
        #expect(abs(apart - 44100) <= 88, "the steps are \(apart) samples apart (44100 ± 88 wanted)")
        // Not at arrival: the first step comes about 0.6 s after the bundle was sent.
        let first = Double(silent - ramp - sentAt) / 44100
        #expect(first > 0.45 && first < 0.9, "the first step came \(first) s after the bundle was sent")
        #expect(server.status()["late"]?.int == 0)
    }

    @Test func aPastTimeActsAtOnceAndIsCountedLate() throws {
        let server = try ServerProcess(["--null-output", "--no-walk"])
        server.send("/glide", [.float(0)])
        server.sendRaw(OSCCodec.encodeBundle(time: OSCTimeTag(unixTime: Date().timeIntervalSince1970 - 1), elements: [
            .message(OSCMessage("/latent", [OSCArgument](repeating: .float(0.3), count: 8))),
        ]))
        usleep(300_000)
        let status = server.status()
        let latent = server.expect("/status/latent")?.arguments.compactMap(\.float) ?? []
        #expect(latent.count == 8 && latent.allSatisfy { abs($0 - 0.3) < 1e-5 }, "\(latent)")
        #expect(status["late"]?.int == 1)
        #expect(status["scheduled"]?.int == 0)
    }

    @Test func aFullScheduleRefusesAndThePlayGoesOn() throws {
        let server = try ServerProcess(["--null-output"])
        let later = OSCTimeTag(unixTime: Date().timeIntervalSince1970 + 120)
        let perDatagram = 2100
        for _ in 0..<2 {
            server.sendRaw(OSCCodec.encodeBundle(time: later, elements: (0..<perDatagram).map { _ in .message(OSCMessage("/gain", [.float(0.5)])) }))
        }
        var refusals = 0, reason = ""
        while let reply = server.receive(timeout: 1), reply.address == "/error" {
            refusals += 1
            if case let .string(text) = reply.arguments.last { reason = text }
        }
        #expect(refusals == 2 * perDatagram - 4096)
        #expect(reason.contains("4096 scheduled commands are waiting already"), "\(reason)")
        let status = server.status()
        #expect(status["scheduled"]?.int == 4096)
        #expect(status["dropped_commands"]?.int == 0)
        // Untimed controls still act.
        #expect(server.request("/voice/1/status", reply: "/voice/status") != nil)
    }
}
