// The patches in patches/, with the real clients' formats: a headless Pure
// Data drives the built server through patches/autocoder-client.pd (the
// abstraction the main patch uses), voice 1 and a voice of its own, and the
// README's reverb chain of two filter voices; the main patch's controls reach
// the server, for the voice its voice box selects too, and its filter panel's
// for a filter voice; its snapshot row saves, recalls, deletes and lists, its XY
// pad blends four corner snapshots bilinearly, and its listen toggle shows what
// the server hears on the latent sliders (clipped) and the nearest frame, and
// drives the selected voice; the client aims snapshots at its target voice and
// joins a split /listen path; both Pd patches open without errors; the Max patch is checked as JSON,
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

    init(_ extra: [String] = [], model: String = Binaries.bundledModel) throws {
        (listen, reply) = (try freePort(), try freePort())
        process.executableURL = URL(fileURLWithPath: try Binaries.release("autocoder"))
        process.arguments = ["serve", String(reply), String(listen), "--model", model, "--null-output"] + extra
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

    /// The main patch opened next to `probe` (if any), talking to `server`, operated
    /// by `sends` (receive names and what to send them); returns what Pd printed.
    static func operateMainPatch(_ server: ServerForPd, _ sends: [String], probe: String? = nil, timeout: Double = 1.5) throws -> String {
        let sends = ["ac-port-reply \(server.reply)", "ac-port-server \(server.listen)"] + sends
        let printed = try PureData.run(["-open", Binaries.root + "/patches/autocoder.pd"] + (probe.map { ["-open", $0] } ?? [])
            + sends.flatMap { ["-send", $0] }, timeout: timeout)
        #expect(!printed.contains("error"), "\(printed)")
        return printed
    }

    /// The latent sliders set to `latent` (through their receive names).
    static func latentSends(_ latent: [Float]) -> [String] {
        latent.enumerated().map { "ac-latent\($0.offset + 1) \($0.element)" }
    }

    static func expectLatent(_ heard: [Float], _ wanted: [Float], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(heard.count == wanted.count && zip(heard, wanted).allSatisfy { abs($0 - $1) < 1e-4 }, "\(what): \(heard), not \(wanted)",
                sourceLocation: sourceLocation)
    }

    @Test func theMainPatchSnapshotRowSavesRecallsDeletesAndLists() throws {
        // Each run is a Pd of its own: /snapshot/save keeps what the voice plays,
        // so the point it saves must have reached the engine in a run before.
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try scratchModel(in: directory)
        let probe = try PureData.probe(["ac-snapshot-names"], in: directory)
        let server = try ServerForPd(["--no-walk"], model: model)
        let saved: [Float] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], changed: [Float] = [0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55]
        func latent(_ voice: Int) throws -> [Float] { try VoiceStatusReply(server.ask("/voice/\(voice)/status", reply: "/voice/status")).latent }

        _ = try Self.operateMainPatch(server, ["ac-walk 0", "ac-glide 0"] + Self.latentSends(saved))
        Self.expectLatent(try latent(1), saved, "the sliders' point")
        let first = try Self.operateMainPatch(server, ["ac-snapshot-name symbol a", "ac-snapshot-save bang"] + Self.latentSends(changed))
        #expect(PureData.printed("autocoder", in: first).contains("snapshot saved a"), "\(first)")
        Self.expectLatent(try latent(1), changed, "changed after the save")
        #expect(FileManager.default.fileExists(atPath: model + ".snapshots.json"), "kept beside the scratch model")

        // Recall at once (glide-s 0), then delete and list: the list is empty.
        let second = try Self.operateMainPatch(server, ["ac-snapshot-name symbol a", "ac-snapshot-glide 0", "ac-snapshot-recall bang",
                                                        "ac-snapshot-list bang", "ac-snapshot-delete bang", "ac-snapshot-list bang"],
                                               probe: probe)
        Self.expectLatent(try latent(1), saved, "recalled")
        let replies = PureData.printed("autocoder", in: second)
        for reply in ["snapshot recalled a", "snapshot list a", "snapshot deleted a", "snapshot list"] {
            #expect(replies.contains(reply), "\(reply): \(second)")
        }
        #expect(PureData.printed("ac-snapshot-names", in: second) == ["set a", "set none"], "the names field: \(second)")

        // A recall that glides: glide-s 1 with ease, from where the voice is now.
        _ = try Self.operateMainPatch(server, ["ac-snapshot-name symbol b", "ac-snapshot-save bang"] + Self.latentSends(changed))
        Self.expectLatent(try latent(1), changed, "changed after saving b")
        let gliding = try Self.operateMainPatch(server, ["ac-snapshot-name symbol b", "ac-snapshot-glide 1", "ac-snapshot-ease 1",
                                                         "ac-snapshot-recall bang"], timeout: 0.5)
        let midway = try latent(1)
        #expect(zip(midway, saved).contains { abs($0 - $1) > 1e-3 }, "still gliding: \(midway) \(gliding)")
        usleep(1_200_000)
        Self.expectLatent(try latent(1), saved, "b reached after its glide")
    }

    @Test func theMainPatchXYPadBlendsFourSnapshots() throws {
        // On voice 2 (the voice box at 2, new): the corners A, B, C, D saved at
        // four points, each in a run after the one that set it; then the pad.
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerForPd(["--no-walk"], model: try scratchModel(in: directory))
        let corners: [(name: String, latent: [Float])] = [
            ("A", [0.1, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.9]), ("B", [0.9, 0.1, 0.5, 0.3, 0.1, 0.7, 0.2, 0.6]),
            ("C", [0.2, 0.8, 0.4, 0.6, 0.3, 0.1, 0.5, 0.9]), ("D", [0.6, 0.4, 0.9, 0.2, 0.8, 0.3, 0.7, 0.1]),
        ]
        let voiceTwo = ["ac-voice-number 2"]
        _ = try Self.operateMainPatch(server, voiceTwo + ["ac-voice-new bang"])
        // The voice box polled voice 2 before it was made: that /voice/2/status was refused.
        let refusedBefore = try server.ask("/status", reply: "/status").arguments[9].int
        var previous: String?
        for corner in corners {
            _ = try Self.operateMainPatch(server, voiceTwo + ["ac-walk 0", "ac-glide 0"] + (previous.map { ["ac-snapshot-save-\($0) bang"] } ?? [])
                + Self.latentSends(corner.latent))
            previous = corner.name
        }
        let last = try Self.operateMainPatch(server, voiceTwo + ["ac-snapshot-save-D bang", "ac-snapshot-list bang"])
        #expect(PureData.printed("autocoder", in: last).contains("snapshot list A B C D"), "\(last)")
        let oneBefore = try VoiceStatusReply(server.ask("/voice/1/status", reply: "/voice/status")).latent

        func blend(_ x: Float, _ y: Float) -> [Float] {
            let weights = [(1 - x) * (1 - y), x * (1 - y), (1 - x) * y, x * y]
            return (0..<8).map { d in zip(weights, corners).reduce(0) { $0 + $1.0 * $1.1.latent[d] } }
        }
        // X 0.25, Y 0: 0.75 A + 0.25 B.
        _ = try Self.operateMainPatch(server, voiceTwo + ["ac-snapshot-x 0.25", "ac-snapshot-y 0"])
        let two = try VoiceStatusReply(server.ask("/voice/2/status", reply: "/voice/status"))
        Self.expectLatent(two.latent, (0..<8).map { 0.75 * corners[0].latent[$0] + 0.25 * corners[1].latent[$0] }, "0.75 A + 0.25 B")
        // X 0.25 at once, Y 0.5 within the 33 ms that follow: the last position goes too.
        _ = try Self.operateMainPatch(server, voiceTwo + ["ac-snapshot-x 0.25", "ac-snapshot-y 0.5"])
        Self.expectLatent(try VoiceStatusReply(server.ask("/voice/2/status", reply: "/voice/status")).latent, blend(0.25, 0.5), "x 0.25, y 0.5")
        Self.expectLatent(try VoiceStatusReply(server.ask("/voice/1/status", reply: "/voice/status")).latent, oneBefore, "voice 1 untouched")
        let refusedAfter = try server.ask("/status", reply: "/status").arguments[9].int
        #expect(refusedBefore == 1 && refusedAfter == refusedBefore, "refused: \(String(describing: refusedBefore)), then \(String(describing: refusedAfter))")
    }

    @Test func theMainPatchListenToggleShowsWhatTheServerHearsAndDrives() throws {
        // The bundled model beside its training sound and ANCHOR.enc.npy (so
        // /listen/frame comes too), listening to 8 s of that sound: what the
        // sliders are set to must be /listen/latent clipped to [0,1], hop by
        // hop (`autocoder listen` prints the same hops), and nearest-frame the frame.
        let (anchor, excerpt, directory) = try ListenTests.modelWithEncodings(excerpt: 8)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let offline = try Binaries.runAutocoder(["listen", anchor, excerpt])
        #expect(offline.status == 0, "\(offline.errors)")
        let hops: [(latent: [Float], frame: Int)] = offline.output.split(separator: "\n").map { line in
            let fields = line.split(separator: " ")
            return (fields.dropFirst().dropLast().map { Float($0)! }, Int(fields.last!)!)
        }
        let names = (1...8).map { "ac-latent\($0)-set" } + ["ac-listen-frame"]
        let probe = try PureData.probe(names, in: directory)
        let server = try ServerForPd(["--no-walk"], model: anchor)

        let on = try Self.operateMainPatch(server, ["ac-glide 0", "ac-listen-file symbol \(excerpt)", "ac-listen 1", "ac-listen-drive 1"],
                                           probe: probe, timeout: 3)
        #expect(PureData.printed("autocoder", in: on).contains("listen \(excerpt)"), "the server listens: \(on)")
        let columns = (1...8).map { k in PureData.printed("ac-latent\(k)-set", in: on).compactMap { Float($0.dropFirst("set ".count)) } }
        let frames = PureData.printed("ac-listen-frame", in: on).compactMap { Int($0) }
        let count = columns.map(\.count).min() ?? 0
        #expect(count >= 20, "\(count) latents shown: \(on)")
        var clipped = 0
        for index in 0..<count {
            let shown = columns.map { $0[index] }
            guard let hop = hops.first(where: { zip($0.latent, shown).allSatisfy { abs(min(max($0.0, 0), 1) - $0.1) < 1e-4 } }) else {
                Issue.record("shown latent \(shown) is no hop's /listen/latent clipped to [0,1] (the voice's status got through?)")
                continue
            }
            clipped += hop.latent.filter { !(0...1).contains($0) }.count
            if index < frames.count { #expect(frames[index] == hop.frame, "nearest-frame \(frames[index]), the hop's \(hop.frame)") }
        }
        #expect(clipped > 0, "some values were outside [0,1] and shown clipped")
        #expect(frames.count >= count - 1, "\(frames.count) frames for \(count) latents")

        // Driven: voice 1 follows what the server hears (Pd has quit; the server listens on).
        let a = try VoiceStatusReply(server.ask("/voice/1/status", reply: "/voice/status")).latent
        usleep(300_000)
        let b = try VoiceStatusReply(server.ask("/voice/1/status", reply: "/voice/status")).latent
        #expect(a != b && (a + b).allSatisfy { (0...1).contains($0) }, "voice 1 follows: \(a) then \(b)")

        // Off: listen off (the server answers /listen off) and listen/drive 0 (voice 1 stays put).
        let off = try Self.operateMainPatch(server, ["ac-listen-drive 0", "ac-listen 0"])
        #expect(PureData.printed("autocoder", in: off).contains("listen off"), "\(off)")
        let c = try VoiceStatusReply(server.ask("/voice/1/status", reply: "/voice/status")).latent
        usleep(300_000)
        #expect(try VoiceStatusReply(server.ask("/voice/1/status", reply: "/voice/status")).latent == c, "released, voice 1 stays where it was")
        #expect(try server.ask("/status", reply: "/status").arguments[9].int == 0, "nothing refused")
    }

    @Test func pureDataAimsSnapshotsAtTheTargetVoiceAndJoinsListenPaths() throws {
        // Through [autocoder-client] alone: 'voice 2' then snapshot/save reaches
        // voice 2 (/voice/2/snapshot/save: its point is kept), 'voice 1' then
        // snapshot/recall voice 1 (unprefixed); 'listen FOLDER/my sound.oga', split by
        // Pd at its space, is joined; 'listen off' is sent as it is.
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sound = directory + "/my sound.oga"
        try FileManager.default.copyItem(atPath: Binaries.root + "/Tests/Fixtures/sounds/complete.oga", toPath: sound)
        let server = try ServerForPd(["--no-walk"], model: try scratchModel(in: directory))
        let point: [Float] = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]
        let steps = [(0, "voice/new 2 generative"),
                     (500, "voice 2 \\, walk 0 \\, glide 0 \\, " + point.map { "\($0)" }.joined(separator: " ") + " \\, voice 1"),
                     (1000, "voice 2 \\, snapshot/save two \\, voice 1 \\, glide 0"),
                     (1300, "snapshot/recall two 0 \\, listen \(directory)/my sound.oga"),
                     (2500, "listen off"), (2800, "\\; pd quit")]
        var text = ["#N canvas 0 0 600 600 12;", "#X obj 20 20 loadbang;", "#X obj 20 500 autocoder-client \(server.listen) \(server.reply);",
                    "#X obj 20 540 print reply;"]
        for (index, step) in steps.enumerated() {
            text += ["#X obj \(20 + 90 * index) 60 delay \(step.0);", "#X msg \(20 + 90 * index) \(100 + 40 * index) \(step.1);"]
        }
        text += ["#X connect 1 0 2 0;"]
        for index in steps.indices {
            text += ["#X connect 0 0 \(3 + 2 * index) 0;", "#X connect \(3 + 2 * index) 0 \(4 + 2 * index) 0;", "#X connect \(4 + 2 * index) 0 1 0;"]
        }
        let harness = directory + "/client-harness.pd"
        try (text.joined(separator: "\n") + "\n").write(toFile: harness, atomically: true, encoding: .utf8)
        let printed = try PureData.run(["-open", harness])
        #expect(!printed.contains("error"), "Pd reported: \(printed)")
        let replies = PureData.printed("reply", in: printed)
        for reply in ["voice new 2 generative", "snapshot saved two", "snapshot recalled two", "listen \(sound.replacingOccurrences(of: " ", with: "\\ "))",
                      "listen off"] {
            #expect(replies.contains(reply), "\(reply): \(printed)")
        }
        Self.expectLatent(try VoiceStatusReply(server.ask("/voice/1/status", reply: "/voice/status")).latent, point,
                          "voice 1 recalled what voice 2 played")
        #expect(try server.ask("/status", reply: "/status").arguments[9].int == 0, "nothing refused")
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
