// The patches in patches/, with the real clients' formats: a headless Pure
// Data drives the built server through patches/autocoder-client.pd (the
// abstraction the main patch uses); both Pd patches open without errors; the
// Max patch is checked as JSON, connection by connection, and every address it
// sends is one the server accepts.

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
}

@Suite(.serialized) struct PatchTests {
    @Test func pureDataDrivesTheServer() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let listen = try freePort(), reply = try freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: try Binaries.release("autocoder"))
        server.arguments = ["serve", String(reply), String(listen), "--model", Binaries.bundledModel, "--null-output"]
        let serverOutput = Pipe()
        server.standardOutput = serverOutput
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        _ = serverOutput.fileHandleForReading.availableData   // the first line: listening

        // The harness records to "pd take.wav" with format 24: Pd splits the path
        // at its space, [autocoder-client] joins it and keeps the 24 apart.
        let take = directory + "/pd take.wav"
        let printed = try PureData.run(["-open", Binaries.root + "/Tests/Patches/harness.pd", "-send", "harness \(listen) \(reply) \(directory)"])
        let replies = printed.split(separator: "\n").filter { $0.hasPrefix("reply: ") }.map { String($0.dropFirst(7)) }
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
