// Snapshots over real OSC: a voice's state saved, changed, and glided back to
// (the latent on /status/latent, the controls on OSCQuery), blended, kept in
// `ANCHOR.snapshots.json` across a restart and a SIGKILL during saves, and a
// broken file set aside with a clear message. Each test plays its own link to
// the bundled model in a folder of its own, where its snapshots file goes.

import AudioTestSupport
import AutocoderOSC
import Foundation
import Testing

@Suite struct SnapshotTests {
    /// The bundled model, linked into a folder of its own: the anchor.
    static func modelCopy() throws -> String {
        let anchor = temporaryDirectory() + "/drone.wav"
        for ext in [".mm", ".dec", ".enc", ".minmax"] {
            try FileManager.default.createSymbolicLink(atPath: anchor + ext, withDestinationPath: Binaries.bundledModel + ext)
        }
        return anchor
    }

    static func serve(_ anchor: String) throws -> ServerProcess { try ServerProcess(["--null-output", "--model", anchor, "--no-walk"]) }

    /// The latent values voice 1 sounds now.
    static func latent(_ server: ServerProcess) -> [Float] {
        _ = server.request("/status", reply: "/status")
        return server.expect("/status/latent")?.arguments.compactMap(\.float) ?? []
    }

    /// An address's VALUE on OSCQuery.
    static func value(_ server: ServerProcess, _ path: String) throws -> [Double] {
        let (status, json) = try fetchJSON(port: server.listenPort + 1, path + "?VALUE")
        #expect(status == 200, "\(path)")
        return (json as? [String: Any])?["VALUE"] as? [Double] ?? []
    }

    /// A state of voice `prefix`: the controls a snapshot keeps, the latent, the level and the walk.
    struct State {
        var controls: [String: Float]
        var latent: [Float]
        var level: Float
        var walk: Bool

        func send(to server: ServerProcess, prefix: String = "") {
            for (name, value) in controls { server.send(prefix + "/" + name, [.float(value)]) }
            server.send(prefix + "/latent", latent.map { .float($0) })
            server.send("/voice/1/level", [.float(level)])
            server.send(prefix + "/walk", [.int(walk ? 1 : 0)])
            _ = server.request("/sync", [.int(1)], reply: "/synced")
            usleep(200_000)   // a few hops: the latent is there (glide 0)
        }

        func expectHeld(on server: ServerProcess, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let heard = SnapshotTests.latent(server)
            #expect(heard.count == latent.count, sourceLocation: sourceLocation)
            for (d, (got, wanted)) in zip(heard, latent).enumerated() {
                #expect(abs(got - wanted) < 1e-4, "latent \(d + 1): \(got), not \(wanted)", sourceLocation: sourceLocation)
            }
            for (name, wanted) in controls {
                let got = try SnapshotTests.value(server, "/voice/1/" + name).first ?? .nan
                #expect(abs(got - Double(wanted)) < 1e-4, "\(name): \(got), not \(wanted)", sourceLocation: sourceLocation)
            }
            let level = try SnapshotTests.value(server, "/voice/1/level").first ?? .nan
            #expect(abs(level - Double(self.level)) < 1e-4, "level \(level)", sourceLocation: sourceLocation)
            #expect(try SnapshotTests.value(server, "/voice/1/walk") == [walk ? 1 : 0], sourceLocation: sourceLocation)
        }
    }

    static let stateA = State(controls: ["glide": 0, "walk/step": 0.05, "brightness": 0.3, "whitening": 0.8, "feedback": 0.2, "smoothing": 0.5],
                              latent: (0..<8).map { 0.1 + 0.1 * Float($0) }, level: 0.7, walk: false)
    static let stateB = State(controls: ["glide": 0, "walk/step": 0.3, "brightness": 1.2, "whitening": 0.4, "feedback": 0.6, "smoothing": 0.1],
                              latent: (0..<8).map { 0.9 - 0.1 * Float($0) }, level: 1.5, walk: false)

    @Test func recallGlidesBackToTheSavedLatentAndControls() throws {
        let server = try Self.serve(try Self.modelCopy())
        Self.stateA.send(to: server)
        #expect(server.request("/snapshot/save", [.string("a")], reply: "/snapshot/saved")?.arguments == [.string("a")])

        // Everything changed, walking and gliding slowly.
        var changed = Self.stateB
        changed.controls["glide"] = 0.2
        changed.walk = true
        changed.send(to: server)
        #expect(Self.latent(server) != Self.stateA.latent)

        let start = Date()
        server.send("/snapshot/recall", [.string("a"), .float(1), .string("linear")])
        #expect(server.expect("/snapshot/recalled", timeout: 3)?.arguments == [.string("a")])
        let took = Date().timeIntervalSince(start)
        #expect(took > 0.95 && took < 1.5, "recalled after \(took) s")
        usleep(100_000)
        try Self.stateA.expectHeld(on: server)

        // Halfway through a linear recall from elsewhere (glide 0 all along), the latent is about halfway.
        server.send("/latent", (0..<8).map { _ in .float(0.95) })
        usleep(200_000)
        let from = Self.latent(server)
        let begun = Date()
        server.send("/snapshot/recall", [.string("a"), .float(1)])
        usleep(useconds_t(max(0, 0.5 - Date().timeIntervalSince(begun)) * 1e6))
        let halfway = Self.latent(server)
        let shares = (0..<8).map { (from[$0] - halfway[$0]) / (from[$0] - Self.stateA.latent[$0]) }
        let share = shares.reduce(0, +) / 8
        #expect(share > 0.3 && share < 0.75, "\(share) of the way at 0.5 s: \(shares)")
        #expect(server.expect("/snapshot/recalled", timeout: 3)?.arguments == [.string("a")])
        try Self.stateA.expectHeld(on: server)

        #expect(server.expectError("/snapshot/recall", [.string("nowhere")]).contains("\"nowhere\""))
    }

    @Test func blendLandsOnTheWeightedMean() throws {
        let server = try Self.serve(try Self.modelCopy())
        Self.stateA.send(to: server)
        _ = server.request("/snapshot/save", [.string("a")], reply: "/snapshot/saved")
        Self.stateB.send(to: server)
        _ = server.request("/snapshot/save", [.string("b")], reply: "/snapshot/saved")

        let reply = server.request("/snapshot/blend", [.string("a"), .float(0.25), .string("b"), .float(0.75)], reply: "/snapshot/blended")
        #expect(reply?.arguments == [.string("a"), .string("b")])
        usleep(200_000)
        func mean(_ a: Float, _ b: Float) -> Float { 0.25 * a + 0.75 * b }
        let blended = State(controls: Self.stateA.controls.mapValues { $0 }.merging(Self.stateB.controls) { mean($0, $1) },
                            latent: zip(Self.stateA.latent, Self.stateB.latent).map(mean), level: mean(Self.stateA.level, Self.stateB.level),
                            walk: false)
        try blended.expectHeld(on: server)

        // Weights are normalised: 1 and 3 are 0.25 and 0.75.
        Self.stateA.send(to: server)
        _ = server.request("/snapshot/blend", [.string("a"), .int(1), .string("b"), .float(3)], reply: "/snapshot/blended")
        usleep(200_000)
        try blended.expectHeld(on: server)

        #expect(server.expectError("/snapshot/blend", [.string("a"), .float(0), .string("b"), .float(0)]) == "the weights are all 0")
        #expect(server.expectError("/snapshot/blend", [.string("a"), .float(1), .string("c"), .float(1)]).contains("\"c\""))
        #expect(server.expectError("/snapshot/blend", [.string("a"), .float(1), .string("b")]).contains("runs of 2"))
        #expect(!server.expectError("/snapshot/blend", [.string("a"), .float(-1)]).isEmpty, "a negative weight")

        // Another voice of the same model shares the model's snapshots.
        _ = server.request("/voice/new", [.int(2), .string("generative")], reply: "/voice/new")
        #expect(server.request("/voice/2/snapshot/list", reply: "/snapshot/list")?.arguments == [.string("a"), .string("b")])
        #expect(server.request("/voice/2/snapshot/recall", [.string("b")], reply: "/snapshot/recalled")?.arguments == [.string("b")])
        #expect(abs((try Self.value(server, "/voice/2/brightness").first ?? 0) - 1.2) < 1e-6)
        #expect(abs((try Self.value(server, "/voice/1/brightness").first ?? 0) - Double(blended.controls["brightness"]!)) < 1e-4,
                "voice 1 is left as it was")
    }

    @Test func snapshotsOutliveTheServerAndDeleteIsKept() throws {
        let anchor = try Self.modelCopy()
        do {
            let server = try Self.serve(anchor)
            Self.stateB.send(to: server)
            _ = server.request("/snapshot/save", [.string("x")], reply: "/snapshot/saved")
            _ = server.request("/snapshot/save", [.string("y")], reply: "/snapshot/saved")
        }
        let server = try Self.serve(anchor)
        #expect(server.request("/snapshot/list", reply: "/snapshot/list")?.arguments == [.string("x"), .string("y")])
        #expect(server.request("/snapshot/recall", [.string("x")], reply: "/snapshot/recalled")?.arguments == [.string("x")])
        usleep(200_000)
        try Self.stateB.expectHeld(on: server)
        #expect(server.request("/snapshot/delete", [.string("y")], reply: "/snapshot/deleted")?.arguments == [.string("y")])
        #expect(server.expectError("/snapshot/delete", [.string("y")]).contains("\"y\""))
        let json = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: anchor + ".snapshots.json"))) as? [String: Any]
        let snapshots = json?["snapshots"] as? [String: Any]
        #expect(snapshots.map { Array($0.keys) } == ["x"])
        let x = snapshots?["x"] as? [String: Any]
        #expect((x?["latent"] as? [Double])?.count == 8)
        #expect(abs(((x?["controls"] as? [String: Double])?["brightness"] ?? 0) - 1.2) < 1e-6)
    }

    @Test func aKillDuringSavesLeavesAWholeFile() throws {
        let anchor = try Self.modelCopy()
        let server = try Self.serve(anchor)
        _ = server.request("/snapshot/save", [.string("first")], reply: "/snapshot/saved")
        // Saves as fast as a client sends them; the server is killed among them.
        nonisolated(unsafe) let flooded = server
        let sender = Thread {
            for n in 0..<4000 { flooded.send("/snapshot/save", [.string("save \(n)")]) }
        }
        sender.start()
        var saved = 0
        while saved < 50, let reply = server.receive(timeout: 5) { if reply.address == "/snapshot/saved" { saved += 1 } }
        kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()
        #expect(saved == 50, "saves were being written when it was killed")

        let data = try Data(contentsOf: URL(fileURLWithPath: anchor + ".snapshots.json"))
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let snapshots = try #require(json?["snapshots"] as? [String: Any])
        #expect(snapshots["first"] != nil && snapshots.count >= 50, "\(snapshots.count) snapshots")
        let after = try Self.serve(anchor)
        let names = after.request("/snapshot/list", reply: "/snapshot/list")?.arguments.count ?? 0
        #expect(names == snapshots.count)
        #expect(!after.log.contains("could not be read"))
    }

    @Test func aBrokenFileIsSetAsideWithAClearMessage() throws {
        let anchor = try Self.modelCopy()
        let path = anchor + ".snapshots.json"
        try "{\"format\": \"autocoder snapshots\", \"version\": 1, \"snapshots\": {\"a\": ".write(toFile: path, atomically: true, encoding: .utf8)
        let server = try Self.serve(anchor)
        #expect(server.log.components(separatedBy: "could not be read").count == 2, "logged once, at start")
        server.send("/snapshot/list")
        let error = server.expect("/error")
        #expect(error?.arguments.first == .string("/snapshot"))
        let reason = error?.arguments.last.flatMap { if case let .string(text) = $0 { text } else { nil } } ?? ""
        #expect(reason.contains(path) && reason.contains("not valid JSON") && reason.contains("set aside as \(path).corrupt-1"), "\(reason)")
        #expect(server.expect("/snapshot/list")?.arguments == [], "a fresh store")
        #expect(FileManager.default.contents(atPath: path + ".corrupt-1").map { String(decoding: $0, as: UTF8.self) }?.hasSuffix("{\"a\": ") == true)
        _ = server.request("/snapshot/save", [.string("new")], reply: "/snapshot/saved")
        #expect(server.log.components(separatedBy: "could not be read").count == 2, "and only once")

        // Another broken file, another place beside the first; a snapshot of the wrong shape is told as such.
        try "{\"format\": \"autocoder snapshots\", \"version\": 1, \"snapshots\": {\"a\": {\"latent\": \"high\"}}}"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let again = try Self.serve(anchor)
        again.send("/snapshot/recall", [.string("a")])
        let report = again.expect("/error")
        #expect(report?.arguments.first == .string("/snapshot"))
        #expect(report?.arguments.last?.description.contains("snapshots.a.latent is not what a snapshot holds") == true, "\(report?.arguments.last?.description ?? "")")
        #expect(report?.arguments.last?.description.contains("set aside as \(path).corrupt-2") == true)
        let refusal = again.expect("/error")
        #expect(refusal?.arguments.first == .string("/snapshot/recall"))
        #expect(refusal?.arguments.last?.description.contains("there is no snapshot \"a\"") == true)
        #expect(FileManager.default.contents(atPath: path + ".corrupt-1").map { String(decoding: $0, as: UTF8.self) }?.hasSuffix("{\"a\": ") == true,
                "the first one is never overwritten")
    }
}
