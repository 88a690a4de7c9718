// /listen as a client hears it: a file whose first half is one sound and
// second half another streams `/listen/latent` values equal (to 1e-4) to what
// `autocoder listen` prints for the same hops, moving from the first sound's
// region to the second's, at the requested rate (±10 %); a driven voice
// follows; `off` ends the stream; bad inputs are refused. On the bundled
// model's own training sound (with its ANCHOR.enc.npy from `encode-set`),
// `/listen/frame` names the frame the hop hears, and a driven granular voice
// plays grains from that moment of the sound.

import AudioTestSupport
import AutocoderAudio
import AutocoderOSC
import Foundation
import Testing

@Suite struct ListenTests {
    @Test func aFileStreamsItsOfflineEncodingAtTheRate() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sounds = Binaries.root + "/Tests/Fixtures/sounds/"
        let first = try AudioLoader.loadMono(sounds + "alarm-clock-elapsed.oga", sampleRate: 44100)
        let second = try AudioLoader.loadMono(sounds + "complete.oga", sampleRate: 44100)
        let joined = directory + "/joined.wav"
        try TestSoundFiles.writeFloatWAV(first + second, to: joined)

        let printed = try Binaries.runAutocoder(["listen", Binaries.bundledModel, joined])
        #expect(printed.status == 0, "\(printed.errors)")
        let offline: [(time: Double, latent: [Float])] = printed.output.split(separator: "\n").map { line in
            let fields = line.split(separator: " ")
            return (Double(fields[0])!, fields.dropFirst().map { Float($0)! })
        }
        #expect(offline.count > 300)

        let server = try ServerProcess()
        server.send("/listen/rate", [.float(30)])
        #expect(server.request("/listen", [.string(joined)], reply: "/listen", timeout: 20)?.arguments == [.string(joined)])
        var streamed: [[Float]] = []
        let deadline = Date().addingTimeInterval(Double(first.count + second.count) / 44100 - 0.3)
        while Date() < deadline, let message = server.receive(timeout: 1), message.address == "/listen/latent" || message.address == "/done" {
            if message.address == "/listen/latent" { streamed.append(message.arguments.compactMap(\.float)) }
        }
        #expect(server.request("/listen", [.string("off")], reply: "/listen")?.arguments == [.string("off")])

        // Each streamed vector is one of the offline hops, in order.
        var matched: [Int] = []
        for vector in streamed {
            let hop = offline.firstIndex { zip($0.latent, vector).allSatisfy { abs($0 - $1) < 1e-4 } }
            #expect(hop != nil, "a streamed latent matches no hop: \(vector)")
            if let hop { matched.append(hop) }
        }
        #expect(matched == matched.sorted() && Set(matched).count == matched.count)
        let span = offline[matched.last!].time - offline[matched.first!].time
        let rate = Double(matched.count - 1) / span
        #expect(abs(rate - 30) <= 3, "\(rate) messages per second of input")
        // From the first sound's region to the second's.
        let half = Double(first.count) / 44100
        let early = matched.filter { offline[$0].time < half - 0.5 }, late = matched.filter { offline[$0].time > half + 0.5 }
        #expect(!early.isEmpty && !late.isEmpty, "\(early.count) hops of the first sound, \(late.count) of the second")
        func centre(_ hops: [Int]) -> [Float] { (0..<8).map { d in hops.reduce(0) { $0 + offline[$1].latent[d] } / Float(hops.count) } }
        let apart = zip(centre(early), centre(late)).reduce(0) { $0 + abs($1.0 - $1.1) }
        print("listen: \(streamed.count) latents streamed, \(String(format: "%.1f", rate)) per second of input; first and second sound's centres \(String(format: "%.2f", apart)) apart (L1)")
        #expect(apart > 0.5)
        // Off: nothing more.
        usleep(300_000)
        while server.receive(timeout: 0.2) != nil {}
        #expect(server.receive(timeout: 0.5) == nil)
    }

    @Test func aDrivenVoiceFollowsAndIsReleased() throws {
        let server = try ServerProcess(["--null-output", "--no-walk"])
        let sound = Binaries.root + "/Tests/Fixtures/sounds/alarm-clock-elapsed.oga"
        server.send("/glide", [.float(0)])
        _ = server.request("/listen", [.string(sound)], reply: "/listen", timeout: 20)
        #expect(server.expectError("/listen/drive", [.int(7)]) == "there is no voice 7")
        server.send("/listen/drive", [.int(1)])
        func latent() -> [Float] {
            _ = server.request("/status", reply: "/status")
            return server.expect("/status/latent")?.arguments.compactMap(\.float) ?? []
        }
        usleep(300_000)
        let a = latent()
        usleep(500_000)
        let b = latent()
        #expect(a != b && a.allSatisfy { (0...1).contains($0) }, "voice 1 follows the input: \(a) then \(b)")
        server.send("/listen/drive", [.int(0)])
        usleep(300_000)
        let c = latent()
        usleep(400_000)
        #expect(latent() == c, "released, it stays where it was")
    }

    /// The bundled model beside its training sound, with the training set's
    /// encodings (`analyze`, `encode-set`) and similarity order (`distances`),
    /// and the first `seconds` of the sound as a file of its own.
    static func modelWithEncodings(excerpt seconds: Double) throws -> (anchor: String, excerpt: String, directory: String) {
        let directory = temporaryDirectory()
        let anchor = try scratchModel(in: directory)
        try FileManager.default.copyItem(atPath: try DroneSound.path(), toPath: anchor)
        for command in [["analyze"], ["encode-set"], ["distances", "50"]] {
            let run = try Binaries.runAutocoder([command[0], anchor] + command.dropFirst())
            #expect(run.status == 0, "\(command[0]): \(run.errors)")
        }
        let excerpt = directory + "/excerpt.wav"
        let sound = try AudioLoader.loadMono(anchor, sampleRate: 44100)
        try TestSoundFiles.writeFloatWAV(Array(sound.prefix(Int(seconds * 44100))), to: excerpt)
        return (anchor, excerpt, directory)
    }

    @Test func theTrainingSoundNamesItsOwnFrames() throws {
        let (anchor, excerpt, directory) = try Self.modelWithEncodings(excerpt: 12)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let printed = try Binaries.runAutocoder(["listen", anchor, excerpt])
        #expect(printed.status == 0, "\(printed.errors)")
        let offline: [(time: Int, latent: [Float], frame: Int)] = printed.output.split(separator: "\n").map { line in
            let fields = line.split(separator: " ")
            return (Int((Double(fields[0])! * 44100).rounded()), fields.dropFirst().dropLast().map { Float($0)! }, Int(fields.last!)!)
        }

        let server = try ServerProcess(["--null-output", "--model", anchor])
        server.send("/listen/rate", [.float(200)])
        #expect(server.request("/listen", [.string(excerpt)], reply: "/listen", timeout: 20)?.arguments == [.string(excerpt)])
        var streamed: [(latent: [Float], frame: Int)] = []
        let deadline = Date().addingTimeInterval(11.5)
        while Date() < deadline, let message = server.receive(timeout: 1) {
            if message.address == "/listen/latent" { streamed.append((message.arguments.compactMap(\.float), -1)) }
            if message.address == "/listen/frame", !streamed.isEmpty { streamed[streamed.count - 1].frame = Int(message.arguments.first?.int ?? -1) }
        }
        _ = server.request("/listen", [.string("off")], reply: "/listen")
        if streamed.last?.frame == -1 { streamed.removeLast() }   // its frame came after the deadline

        // Each hop heard the newest 16384 samples: the right training frame is
        // the one whose window starts nearest (hops between two frames: either).
        var right = 0, exact = 0, aligned = 0, counted = 0
        for (latent, frame) in streamed {
            guard let hop = offline.first(where: { zip($0.latent, latent).allSatisfy { abs($0 - $1) < 1e-4 } }) else {
                Issue.record("a streamed latent matches no hop of `autocoder listen`: \(latent)")
                continue
            }
            #expect(frame == hop.frame, "the server and `autocoder listen` name the same frame")
            let start = hop.time - 16384
            guard start >= 0 else { continue }
            counted += 1
            if abs(frame * 1024 - start) <= 512 { right += 1 }
            if start % 1024 == 0 {
                aligned += 1
                if frame == start / 1024 { exact += 1 }
            }
        }
        let share = Double(right) / Double(max(counted, 1))
        print("listen/frame on the training sound: \(right) of \(counted) hops name the frame they hear (\(String(format: "%.1f", 100 * share)) %); \(exact) of \(aligned) hops on a frame's own window name exactly it")
        #expect(counted > 800)
        #expect(share >= 0.95)
        #expect(Double(exact) >= 0.95 * Double(aligned))
    }

    @Test func aDrivenGranularVoicePlaysTheListenedMoment() throws {
        let (anchor, excerpt, directory) = try Self.modelWithEncodings(excerpt: 12)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess(["--null-output", "--model", anchor])
        server.send("/play", [.int(0)])
        #expect(server.request("/load/granular", [.string(anchor)], reply: "/loaded", timeout: 20) != nil)
        server.send("/granular", [.int(1)])
        _ = server.request("/listen", [.string(excerpt)], reply: "/listen", timeout: 20)
        let started = Date()
        server.send("/listen/drive", [.int(1025)])
        // The frame of each grain against the frame the listening hears at
        // the time (the file plays at the pace of the sample clock).
        var distances: [Int] = []
        while Date().timeIntervalSince(started) < 9 {
            usleep(250_000)
            guard let grain = server.status()["granular_frame"]?.int else { continue }
            let heard = Int((Date().timeIntervalSince(started) * 44100 - 16384) / 1024)
            if heard > 0 { distances.append(abs(Int(grain) - heard)) }
        }
        let near = distances.filter { $0 <= 8 }.count
        print("driven granular voice: \(near) of \(distances.count) grains within 8 frames (0.19 s) of the moment listened to; median distance \(distances.sorted()[distances.count / 2]) frames")
        #expect(distances.count >= 20 && Double(near) >= 0.8 * Double(distances.count))
        server.send("/listen/drive", [.int(0)])
    }

    @Test func badInputsAreRefused() throws {
        let server = try ServerProcess()
        #expect(server.expectError("/listen", [.string("device")]).contains("no input device is open"))
        #expect(server.expectError("/listen", [.string("/nonexistent/sound.wav")]).contains("no such file"))
        #expect(server.expectError("/listen/rate", [.float(500)]).contains("expected 1.0 to 200.0"))
        #expect(server.request("/listen", [.string("off")], reply: "/listen")?.arguments == [.string("off")])
    }
}
