// Every OSC 1.0/1.1 type tag, as real clients send them (hand-built datagrams,
// python-osc, oscsend), reaches the release server without harm: T/F count as
// 1/0, tags the codec does not carry get /error naming the tag, and the sound
// plays on.

import AutocoderAudio
import AutocoderOSC
import AudioTestSupport
import Foundation
import Testing

/// Builds OSC datagrams byte by byte, for type tags liblo's encoder will not write.
struct RawOSC {
    private(set) var bytes: [UInt8] = []

    static func padded(_ text: String) -> [UInt8] {
        var bytes = Array(text.utf8) + [0]
        while bytes.count % 4 != 0 { bytes.append(0) }
        return bytes
    }

    /// `/address ,tags` followed by `data` (already laid out for the tags).
    static func message(_ address: String, tags: String, data: [UInt8] = []) -> [UInt8] {
        padded(address) + padded("," + tags) + data
    }

    /// Four big-endian bytes.
    static func word(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
}

@Suite(.serialized) struct OSCTypeTagTests {
    /// One message for each type tag, with its data, sent to /latent/1 (a number is expected).
    static let everyTag: [(tag: String, data: [UInt8])] = [
        ("i", RawOSC.word(1)),
        ("f", RawOSC.word(Float(0.25).bitPattern)),
        ("s", RawOSC.padded("text")),
        ("S", RawOSC.padded("symbol")),
        ("b", RawOSC.word(3) + [1, 2, 3, 0]),
        ("h", RawOSC.word(0) + RawOSC.word(1)),
        ("t", RawOSC.word(0) + RawOSC.word(1)),
        ("d", Array(withUnsafeBytes(of: Double(0.5).bitPattern.bigEndian, Array.init))),
        ("c", RawOSC.word(65)),
        ("r", RawOSC.word(0xff00_00ff)),
        ("m", RawOSC.word(0x0090_3c40)),
        ("T", []), ("F", []), ("N", []), ("I", []),
        ("[]", []), ("[i]", RawOSC.word(1)), ("[", []), ("]", []),
    ]

    @Test func dataLessTagsAreBooleansOrRefusedByName() throws {
        let server = try ServerProcess()
        // T and F are flags.
        server.sendRaw(RawOSC.message("/walk", tags: "F"))
        server.sendRaw(RawOSC.message("/play", tags: "F"))
        usleep(100_000)   // a block or two for the render thread to take them
        #expect(server.status()["playing"] == .int(0))
        #expect(server.status()["walking"] == .int(0))
        server.sendRaw(RawOSC.message("/play", tags: "T"))
        server.sendRaw(RawOSC.message("/walk", tags: "T"))
        usleep(100_000)
        #expect(server.status()["playing"] == .int(1))
        #expect(server.status()["walking"] == .int(1))
        // …and numbers: /latent/1 T sets it to 1.
        server.sendRaw(RawOSC.message("/walk", tags: "F"))
        server.sendRaw(RawOSC.message("/glide", tags: "F"))
        server.sendRaw(RawOSC.message("/latent/1", tags: "T"))
        usleep(200_000)
        _ = server.status()
        #expect(server.expect("/status/latent")?.arguments.first?.float == 1)

        // N and I carry no number: refused, naming the tag.
        server.sendRaw(RawOSC.message("/latent/1", tags: "N"))
        #expect(reason(server.expect("/error")).contains("argument 1 has type tag 'N' (nil); expected a number"))
        server.sendRaw(RawOSC.message("/latent/1", tags: "I"))
        #expect(reason(server.expect("/error")).contains("argument 1 has type tag 'I' (impulse); expected a number"))
        // Addresses that take no arguments ignore them; too many are refused.
        server.sendRaw(RawOSC.message("/sanity/check", tags: "N"))
        #expect(server.expect("/sanity") != nil)
        server.sendRaw(RawOSC.message("/play", tags: "fT", data: RawOSC.word(Float(1).bitPattern)))
        #expect(reason(server.expect("/error")).contains("expected 0 to 1 arguments, got 2"))
        server.sendRaw(RawOSC.message("/walk", tags: "iN", data: RawOSC.word(1)))
        #expect(reason(server.expect("/error")).contains("expected 0 to 1 arguments, got 2"))
        #expect(server.process.isRunning)
    }

    @Test func everyTypeTagGetsAnAnswerAndTheSoundPlaysOn() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess()
        for (tag, data) in Self.everyTag {
            server.sendRaw(RawOSC.message("/latent/1", tags: tag, data: data))
            // Numbers are taken, everything else is refused by name; liblo refuses
            // arrays as malformed. Either way an answer comes and nothing dies.
            if ["i", "f", "d", "h", "T", "F"].contains(tag) { continue }
            let error = server.expect("/error")
            let text = reason(error)
            #expect(text.contains("type tag") || text.contains("malformed"), "\(tag): \(text)")
        }
        // The numeric ones were applied in turn: the last of them (F) leaves 0.
        #expect(server.status()["rejected"]?.int == Self.everyTag.count - 6)
        #expect(server.request("/record/start", [.string(directory + "/after.wav")], reply: "/record/started") != nil)
        usleep(400_000)
        #expect(server.request("/record/stop", reply: "/record/stopped") != nil)
        #expect(rms(try SoundFile(contentsOf: directory + "/after.wav").samples) > 0.01)
    }

    /// python-osc sends Python's True and False as T and F.
    @Test func pythonOSCBooleans() throws {
        let python = Binaries.root + "/.venv-litert/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("\(python) is missing: run scripts/test")
            return
        }
        let server = try ServerProcess()
        let script = """
        import sys
        from pythonosc.udp_client import SimpleUDPClient
        client = SimpleUDPClient("127.0.0.1", int(sys.argv[1]))
        client.send_message("/walk", False)
        client.send_message("/play", False)
        client.send_message("/latent/2", True)
        client.send_message("/latent/3", [None])
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, String(server.listenPort)]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(reason(server.expect("/error")).contains("type tag 'N' (nil)"))
        usleep(100_000)
        let status = server.status()
        #expect(status["playing"] == .int(0))
        #expect(status["walking"] == .int(0))
        #expect(server.process.isRunning)
    }

    /// liblo's own command-line client, with every type it can write.
    @Test func oscsendEveryType() throws {
        let server = try ServerProcess()
        let port = String(server.listenPort)
        func oscsend(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/oscsend")
            process.arguments = ["127.0.0.1", port] + arguments
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "oscsend \(arguments)")
        }
        try oscsend(["/play", "F"])
        try oscsend(["/walk", "F"])
        usleep(100_000)
        #expect(server.status()["playing"] == .int(0))
        for (types, values) in [("N", []), ("I", []), ("c", ["x"]), ("m", ["1", "144", "60", "64"]), ("S", ["name"])] as [(String, [String])] {
            try oscsend(["/latent/1", types] + values)
            let text = reason(server.expect("/error"))
            #expect(text.contains("type tag"), "\(types): \(text)")
        }
        try oscsend(["/play", "T"])
        try oscsend(["/latent/1", "d", "0.5"])
        try oscsend(["/latent/2", "h", "1"])
        usleep(100_000)
        #expect(server.status()["playing"] == .int(1))
        #expect(server.process.isRunning)
    }

    private func reason(_ message: OSCMessage?) -> String {
        if case let .string(text) = message?.arguments.last { return text }
        return ""
    }
}
