// The patches in patches/, with the real clients' formats: a headless Pure
// Data drives the built server through patches/autocoder-client.pd (the
// abstraction the main patch uses), voice 1 and a voice of its own, and the
// README's reverb chain of two filter voices; the main patch's controls reach
// the server, for the voice its voice box selects too, and its filter panel's
// for a filter voice; both Pd patches open without errors; the Max patch is checked as JSON,
// connection by connection, and every address it sends is one the server accepts.

import AudioTestSupport
import AutocoderAudio
import AutocoderOSC
import Foundation
import Testing

enum PureData {
    static let binary = "/usr/bin/pd"

    /// Runs pd headless with `arguments`; returns what it printed (Pd prints to stderr).
    static func run(_ arguments: [String], timeout: Double = 20) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw HarnessError(description: "Pure Data is missing: scripts/test installs puredata-core")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-nogui", "-nosound", "-nomidi", "-stderr", "-path", Binaries.root + "/patches"] + arguments
        let output = Pipe()
        process.standardError = output
        process.standardOutput = output
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }   // Pd ignores SIGTERM
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    /// The lines a [print PREFIX] printed, without their prefix.
    static func printed(_ prefix: String, in output: String) -> [String] {
        output.split(separator: "\n").filter { $0.hasPrefix(prefix + ": ") }.map { String($0.dropFirst(prefix.count + 2)) }
    }

    /// Writes DIRECTORY/probe.pd, a patch that prints what reaches each of `names`
    /// (as [print NAME]), and returns its path: opened next to the main patch, it
    /// shows what the panel's controls were set to.
    static func probe(_ names: [String], in directory: String) throws -> String {
        let path = directory + "/probe.pd"
        let text = ["#N canvas 0 0 400 400 12;"]
            + names.enumerated().map { "#X obj 20 \(20 + 30 * $0.offset) r \($0.element);" }
            + names.enumerated().map { "#X obj 200 \(20 + 30 * $0.offset) print \($0.element);" }
            + names.indices.map { "#X connect \($0) 0 \($0 + names.count) 0;" }
        try (text.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// `autocoder serve` with the bundled model and the null output, whose replies go
/// to port `reply`: Pd listens there while it runs, and once it has quit, `ask`
/// takes the port to talk to the server directly.
final class ServerForPd {
    let process = Process()
    let listen: Int, reply: Int

    init(_ extra: [String] = []) throws {
        (listen, reply) = (try freePort(), try freePort())
        process.executableURL = URL(fileURLWithPath: try Binaries.release("autocoder"))
        process.arguments = ["serve", String(reply), String(listen), "--model", Binaries.bundledModel, "--null-output"] + extra
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        _ = output.fileHandleForReading.availableData   // the first line: listening
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
    }

    /// Sends `address` from the reply port (while Pd is not holding it) and returns the reply at `replyAddress`.
    func ask(_ address: String, reply replyAddress: String) throws -> OSCMessage {
        let socket = try UDPSocket(binding: SocketAddress(host: "127.0.0.1", port: reply))
        socket.send(OSCCodec.encode(OSCMessage(address)), to: try SocketAddress(host: "127.0.0.1", port: listen))
        let deadline = Date().addingTimeInterval(5)
        while let (bytes, _) = socket.receive(timeout: deadline.timeIntervalSinceNow) {
            if let message = try OSCCodec.decode(bytes).first(where: { $0.address == replyAddress }) { return message }
        }
        throw HarnessError(description: "no \(replyAddress) reply to \(address)")
    }
}

/// /voice/status i:ID s:KIND s:MODEL f:LEVEL i:OUT f:PAN i:PLAYING f:latent…, by name.
struct VoiceStatusReply {
    let id: Int, kind: String, model: String, level: Float, out: Int, pan: Float, playing: Bool, latent: [Float]

    init(_ message: OSCMessage) throws {
        let fields = message.arguments
        guard message.address == "/voice/status", fields.count >= 7, case let .string(kind) = fields[1], case let .string(model) = fields[2],
              let id = fields[0].int, let level = fields[3].float, let out = fields[4].int, let pan = fields[5].float, let playing = fields[6].int
        else { throw HarnessError(description: "not a /voice/status: \(message)") }
        (self.id, self.kind, self.model, self.level, self.out, self.pan, self.playing) = (id, kind, model, level, out, pan, playing == 1)
        latent = fields.dropFirst(7).compactMap(\.float)
    }
}

@Suite(.serialized) struct PatchTests {
    @Test func pureDataDrivesTheServer() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerForPd()

        // The harness records to "pd take.wav" with format 24: Pd splits the path
        // at its space, [autocoder-client] joins it and keeps the 24 apart.
        let take = directory + "/pd take.wav"
        let printed = try PureData.run(["-open", Binaries.root + "/Tests/Patches/harness.pd", "-send", "harness \(server.listen) \(server.reply) \(directory)"])
        let replies = PureData.printed("reply", in: printed)
        #expect(!printed.contains("error"), "Pd reported: \(printed)")
        #expect(replies.contains("sanity checked"), "\(printed)")
        let printedTake = take.replacingOccurrences(of: " ", with: "\\ ")   // Pd's print escapes spaces in a symbol
        #expect(replies.contains("record started \(printedTake)"), "\(printed)")
        let stopped = try #require(replies.first { $0.hasPrefix("record stopped \(printedTake) ") }, "\(printed)")
        let frames = Int(stopped.split(separator: " ").last!)!
        let status = try #require(replies.first { $0.hasPrefix("status \(Binaries.bundledModel) ") }).split(separator: " ")
        #expect(status[2] == "44100" && status[4] == "4096" && status[10] == "0", "sample rate, fft, nothing rejected")
        #expect(replies.contains("status latent 1 1 1 1 1 1 1 1"), "the latent values Pd sent are sounding")

        // The recording: what Pd asked for, latent 0 then latent 1, in 24 bits.
        #expect(try SoundFileInfo(path: take).encodingName == "Signed 24 bit PCM")
        let sound = try SoundFile(contentsOf: take)
        #expect(sound.frames == frames && Double(frames) / 44100 > 2.5)
        let left = sound.channel(0)
        let first = Array(left[4410..<66150]), second = Array(left[left.count - 61740..<left.count - 4410])
        #expect(rms(first) > 0.01 && rms(second) > 0.01)
        let (low, high) = (centroid(powerSpectrum(first)), centroid(powerSpectrum(second)))
        #expect(abs(low - high) > 200, "centroid \(low) Hz at latent 0, \(high) Hz at latent 1")
    }

    @Test func theMainPatchControlsReachTheServer() throws {
        // The patch's sliders and toggles send to receive names; -send operates
        // them as a click would. The server's /status must then show the result.
        let server = try ServerProcess(["--null-output"])
        let listen = server.serverAddress.description.split(separator: ":").last.map(String.init)!
        let pdReplies = try freePort()
        let sends = ["ac-port-reply \(pdReplies)", "ac-port-server \(listen)", "ac-walk 0", "ac-glide 0", "ac-latent3 0.9", "ac-latent6 0.1", "ac-play 0"]
        let printed = try PureData.run(["-open", Binaries.root + "/patches/autocoder.pd"] + sends.flatMap { ["-send", $0] }, timeout: 2)
        #expect(!printed.contains("error"), "\(printed)")
        let status = server.status()
        #expect(status["walking"] == .int(0) && status["playing"] == .int(0), "\(status)")
        let latent = try #require(server.expect("/status/latent")).arguments.compactMap(\.float)
        #expect(abs(latent[2] - 0.9) < 1e-3 && abs(latent[5] - 0.1) < 1e-3, "\(latent)")
        #expect(status["received"].flatMap(\.int) ?? 0 >= 5)
    }

    @Test func theMainPatchDrivesTheGranularAndAutocodeVoices() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess(["--null-output", "--silent"])
        let listen = server.serverAddress.description.split(separator: ":").last.map(String.init)!
        let pdReplies = try freePort()
        // The panels' controls, operated through their receive names (the file
        // panels need a person; the device input is refused here, as the null
        // output has no input).
        let sends = ["ac-port-reply \(pdReplies)", "ac-port-server \(listen)", "ac-granular-size 0.03", "ac-granular-rate 120",
                     "ac-granular-power 3", "ac-granular-level 0.5", "ac-granular-pool 4", "ac-autocode-level 0.7",
                     "ac-autocode-range bang", "ac-autocode-device bang", "ac-granular 1"]
        let printed = try PureData.run(["-open", Binaries.root + "/patches/autocoder.pd"] + sends.flatMap { ["-send", $0] }, timeout: 2)
        #expect(!printed.contains("error:"), "\(printed)")
        let status = server.status()
        // Six settings accepted; /autocode/input device and /granular (no source yet) refused with reasons.
        #expect(status["received"].flatMap(\.int) ?? 0 >= 9, "\(status)")
        #expect(status["rejected"] == .int(2), "\(status)")
        #expect(server.log.contains("rejected /autocode/input: no input device is open"), "\(server.log)")
        #expect(server.log.contains("rejected /granular: no granular source loaded"), "\(server.log)")
    }

    @Test func pureDataAimsAtAVoice() throws {
        // Tests/Patches/voice-harness.pd, through [autocoder-client]: voice 1's latent
        // point with no voice aimed at, /voice/new 3, 'voice 3 load FOLDER/my model.wav'
        // (a path Pd splits at its space), then 'voice 3' and latent, level and out.
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = directory + "/my model.wav"
        for part in [".dec", ".mm", ".minmax"] {
            try FileManager.default.createSymbolicLink(atPath: model + part, withDestinationPath: Binaries.bundledModel + part)
        }
        let server = try ServerForPd(["--no-walk"])
        let printed = try PureData.run(["-open", Binaries.root + "/Tests/Patches/voice-harness.pd",
                                        "-send", "voice-harness \(server.listen) \(server.reply) \(directory)"])
        #expect(!printed.contains("error"), "Pd reported: \(printed)")

        // The replies of the voice addresses, as the client gives them out.
        let replies = PureData.printed("reply", in: printed)
        let printedModel = model.replacingOccurrences(of: " ", with: "\\ ")   // Pd's print escapes spaces in a symbol
        #expect(replies.contains("voice new 3 generative"), "\(printed)")
        #expect(replies.contains("loaded \(printedModel)"), "the client joined the path it sent to /voice/3/load: \(printed)")
        #expect(replies.contains("voice status 3 generative \(printedModel) 0.5 2 0 1 1 1 1 1 1 1 1 1"), "\(printed)")
        #expect(replies.contains("voice status 1 generative \(Binaries.bundledModel) 1 0 0 1 0.25 0.25 0.25 0.25 0.25 0.25 0.25 0.25"), "\(printed)")
        #expect(replies.contains("voices 1 generative 3 generative"), "\(printed)")

        // The server itself, asked once Pd has quit.
        let three = try VoiceStatusReply(server.ask("/voice/3/status", reply: "/voice/status"))
        #expect(three.id == 3 && three.kind == "generative" && three.model == model)
        #expect(three.latent.count == 8 && three.latent.allSatisfy { abs($0 - 1) < 1e-4 }, "\(three.latent)")
        #expect(three.level == 0.5 && three.out == 2 && three.pan == 0 && three.playing)
        let one = try VoiceStatusReply(server.ask("/voice/1/status", reply: "/voice/status"))
        #expect(one.latent.count == 8 && one.latent.allSatisfy { abs($0 - 0.25) < 1e-4 }, "voice 1 kept its point: \(one.latent)")
        #expect(one.level == 1 && one.out == 0)
        #expect(try server.ask("/voices", reply: "/voices").arguments == [.int(1), .string("generative"), .int(3), .string("generative")])
    }

    @Test func theMainPatchSteersTheSelectedVoice() throws {
        // The voice box at 3, new, then the generative panel and level, pan and out:
        // they must reach voice 3 alone, and the panel must show voice 3's status
        // (a second patch prints what the panel's controls are set to).
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let probe = try PureData.probe(["ac-latent1-set", "ac-latent8-set", "ac-level-set", "ac-channel-set", "ac-pan-set", "ac-play-set",
                                        "ac-walk-set", "ac-model"], in: directory)
        let server = try ServerForPd(["--no-walk"])
        let oneBefore = try VoiceStatusReply(server.ask("/voice/1/status", reply: "/voice/status"))

        let sends = ["ac-port-reply \(server.reply)", "ac-port-server \(server.listen)", "ac-voice-number 3", "ac-voice-new bang", "ac-walk 0",
                     "ac-glide 0", "ac-latent1 0.7", "ac-latent8 0.2", "ac-play 1", "ac-level 0.5", "ac-channel 2", "ac-pan 0.25"]
        let printed = try PureData.run(["-open", Binaries.root + "/patches/autocoder.pd", "-open", probe] + sends.flatMap { ["-send", $0] }, timeout: 2)
        #expect(!printed.contains("error"), "\(printed)")
        let three = try VoiceStatusReply(server.ask("/voice/3/status", reply: "/voice/status"))
        #expect(abs(three.latent[0] - 0.7) < 1e-4 && abs(three.latent[7] - 0.2) < 1e-4, "\(three.latent)")
        #expect(three.level == 0.5 && three.out == 2 && three.pan == 0.25 && three.playing)
        let one = try VoiceStatusReply(server.ask("/voice/1/status", reply: "/voice/status"))
        #expect(one.latent == oneBefore.latent && one.level == 1 && one.out == 0 && one.pan == 0, "voice 1 untouched: \(one)")

        // What the panel showed last: voice 3's status (the loadbang's defaults come first).
        for (name, value) in [("ac-latent1-set", "set 0.7"), ("ac-latent8-set", "set 0.2"), ("ac-level-set", "set 0.5"),
                              ("ac-channel-set", "set 2"), ("ac-pan-set", "set 0.25"), ("ac-play-set", "set 1"),
                              ("ac-model", "symbol \(Binaries.bundledModel)")] {
            #expect(PureData.printed(name, in: printed).last == value, "\(name): \(printed)")
        }
        #expect(PureData.printed("ac-walk-set", in: printed).isEmpty, "walk shows voice 1's /status only")
    }

    @Test func theMainPatchFilterPanelDrivesFilterVoices() throws {
        // The filter panel's controls, operated through their receive names (the
        // file panel needs a person: the field's name takes the path instead).
        // Run 1: voice 4, new, the device input (refused: the null output has no
        // input), a file, each slider out of its range and then in it, on at 0.
        // Run 2: on at 1 for voice 4, then voice 5, new, on voice 4's output.
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let probe = try PureData.probe(["ac-filter-input", "ac-filter-play-set"], in: directory)
        let server = try ServerForPd()
        func operate(_ sends: [String]) throws -> String {
            let sends = ["ac-port-reply \(server.reply)", "ac-port-server \(server.listen)"] + sends
            let printed = try PureData.run(["-open", Binaries.root + "/patches/autocoder.pd", "-open", probe] + sends.flatMap { ["-send", $0] },
                                           timeout: 2)
            #expect(!printed.contains("error"), "\(printed)")
            return printed
        }
        let sound = Binaries.root + "/Tests/Fixtures/sounds/complete.oga"
        let controls = [("whitening", 3, 0.2), ("autofilter", 2, 0.3), ("tail", 1, 0.5), ("predelay", 3, 0.1), ("mix", 2, 0.8)]
        let first = try operate(["ac-filter-number 4", "ac-filter-new bang", "ac-filter-device bang", "ac-filter-file symbol \(sound)"]
            + controls.flatMap { ["ac-filter-\($0.0) \($0.1)", "ac-filter-\($0.0) \($0.2)"] } + ["ac-filter-play 0"])
        // Each refusal names the filter voice's own address: every control reached it (the main patch prints /error replies).
        let refused = PureData.printed("autocoder", in: first)
        #expect(refused.contains { $0.hasPrefix("/voice/4/input no\\ input\\ device\\ is\\ open") }, "\(first)")
        for (name, outside, _) in controls {
            #expect(refused.contains { $0.hasPrefix("/voice/4/\(name) argument\\ 1\\ is\\ \(outside).0") }, "\(name): \(first)")
        }
        #expect(PureData.printed("ac-filter-input", in: first).last == "set \(sound)", "the field shows the input the server took: \(first)")
        #expect(try server.ask("/voices", reply: "/voices").arguments == [.int(1), .string("generative"), .int(4), .string("filter")])
        let stopped = try VoiceStatusReply(server.ask("/voice/4/status", reply: "/voice/status"))
        #expect(stopped.kind == "filter" && stopped.model == Binaries.bundledModel && !stopped.playing)
        // The device and the five values out of range refused; the rest (new, the file, the values in range, on) taken.
        let status = try server.ask("/status", reply: "/status").arguments
        #expect(status[9].int == 1 + controls.count, "rejected: \(status)")

        let second = try operate(["ac-filter-number 4", "ac-filter-play 1", "ac-filter-number 5", "ac-filter-new bang", "ac-filter-from 4"])
        #expect(PureData.printed("ac-filter-input", in: second).last == "set voice\\ 4", "\(second)")
        #expect(PureData.printed("ac-filter-play-set", in: second).last == "set 1", "a new voice plays: \(second)")
        #expect(try server.ask("/voices", reply: "/voices").arguments
            == [.int(1), .string("generative"), .int(4), .string("filter"), .int(5), .string("filter")])
        #expect(try VoiceStatusReply(server.ask("/voice/4/status", reply: "/voice/status")).playing)
        let five = try VoiceStatusReply(server.ask("/voice/5/status", reply: "/voice/status"))
        #expect(five.kind == "filter" && five.playing)
        #expect(try server.ask("/status", reply: "/status").arguments[9].int == 1 + controls.count, "run 2: nothing refused")
    }

    @Test func pureDataPlaysTheReadmeReverbChain() throws {
        // Tests/Patches/filter-harness.pd sends patches/README.md's reverb chain through
        // [autocoder-client]: filter voice 2 on a looped tone (a path with a space,
        // split by Pd, joined by the client), filter voice 3 on voice 2's output with a
        // long tail, voice 2 on channel 1 and voice 3 on channel 2, recorded; voice 2
        // stops 1.5 s into the take.
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let loop = directory + "/my loop.wav"
        try TestSoundFiles.writeFloatWAV(TestSoundFiles.tone(seconds: 2), to: loop)
        let server = try ServerForPd(["--channels", "2"])
        let printed = try PureData.run(["-open", Binaries.root + "/Tests/Patches/filter-harness.pd",
                                        "-send", "filter-harness \(server.listen) \(server.reply) \(directory)"])
        #expect(!printed.contains("error"), "Pd reported: \(printed)")
        let replies = PureData.printed("reply", in: printed)
        for reply in ["voice new 2 filter", "voice new 3 filter", "voice input 2 \(loop.replacingOccurrences(of: " ", with: "\\ "))",
                      "voice input 3 voice 2", "voices 1 generative 2 filter 3 filter"] {
            #expect(replies.contains(reply), "\(reply): \(printed)")
        }
        #expect(replies.contains { $0.hasPrefix("voice status 2 filter \(Binaries.bundledModel) 1 1 0 0 ") }, "voice 2 stopped, on channel 1")
        #expect(replies.contains { $0.hasPrefix("voice status 3 filter \(Binaries.bundledModel) 1 2 0 1 ") }, "voice 3 playing, on channel 2")
        #expect(try server.ask("/status", reply: "/status").arguments[9].int == 0, "every message of the chain taken")

        // Channel 1 is voice 2 alone, channel 2 voice 3 alone: voice 3 sounds from
        // voice 2's output, and once voice 2 is silent its tail rings on, dying away.
        let take = try SoundFile(contentsOf: directory + "/chain.wav")
        #expect(take.channels == 2 && take.frames > 3 * 44100, "\(take.frames) frames")
        let (voice2, voice3) = (take.channel(0), take.channel(1))
        func level(_ samples: [Float], _ seconds: ClosedRange<Double>) -> Float {
            rms(samples[Int(seconds.lowerBound * 44100)..<min(Int(seconds.upperBound * 44100), samples.count)])
        }
        #expect(level(voice2, 0.5...1.25) > 0.05 && level(voice3, 0.5...1.25) > 0.05, "both sound while voice 2 plays")
        #expect(level(voice2, 2.2...3.5) == 0, "voice 2 stopped")
        let (early, late) = (level(voice3, 2.2...2.6), level(voice3, 2.8...3.2))
        #expect(late > 0.01 && late < early, "voice 3's tail: \(early) then \(late)")
    }

    @Test(arguments: ["autocoder.pd", "autocoder-client.pd"])
    func pureDataPatchOpensWithoutErrors(name: String) throws {
        let printed = try PureData.run(["-open", Binaries.root + "/patches/" + name, "-send", "pd quit"])
        for problem in ["couldn't create", "error", "bad arguments", "no such object", "can't open"] {
            #expect(!printed.contains(problem), "\(name): \(printed)")
        }
    }

    @Test func maxPatchIsWellFormedAndSpeaksTheServersLanguage() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Binaries.root + "/patches/autocoder.maxpat"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let patcher = try #require(root["patcher"] as? [String: Any])
        let boxes = try #require(patcher["boxes"] as? [[String: Any]]).compactMap { $0["box"] as? [String: Any] }
        let lines = try #require(patcher["lines"] as? [[String: Any]]).compactMap { $0["patchline"] as? [String: Any] }
        let byID = Dictionary(uniqueKeysWithValues: boxes.map { ($0["id"] as! String, $0) })
        #expect(byID.count == boxes.count, "box ids are unique")
        for line in lines {
            let source = line["source"] as! [Any], destination = line["destination"] as! [Any]
            let (from, outlet) = (try #require(byID[source[0] as! String]), source[1] as! Int)
            let (to, inlet) = (try #require(byID[destination[0] as! String]), destination[1] as! Int)
            #expect(outlet < from["numoutlets"] as! Int, "\(source) has no outlet \(outlet)")
            #expect(inlet < to["numinlets"] as! Int, "\(destination) has no inlet \(inlet)")
        }
        let texts = boxes.compactMap { $0["text"] as? String }
        #expect(texts.contains("udpsend 127.0.0.1 4061") && texts.contains("udpreceive 4013"))
        #expect(texts.contains("speedlim 20") && texts.contains("prepend /decode"), "/decode from sliders at most 50 times a second")

        // Every address the patch sends, from message boxes and [prepend /…].
        var addresses = Set<String>()
        for box in boxes {
            guard let text = box["text"] as? String else { continue }
            let words = text.split(separator: " ").map(String.init)
            if box["maxclass"] as? String == "message", let first = words.first, first.hasPrefix("/") { addresses.insert(first) }
            if words.first == "prepend", words.count > 1, words[1].hasPrefix("/") { addresses.insert(words[1]) }
        }
        #expect(addresses.count >= 14, "\(addresses.sorted())")
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess(["--null-output"], workingDirectory: directory)
        for address in addresses.sorted() {
            server.send(address)
            server.send("/sanity/check")
            // Whatever the address answers, it must not be "unknown address".
            while let reply = server.receive(timeout: 5), reply.address != "/sanity" {
                #expect(!(reply.address == "/error" && reply.arguments == [.string(address), .string("unknown address")]), "\(address) is not an address the server knows")
            }
        }
    }
}
