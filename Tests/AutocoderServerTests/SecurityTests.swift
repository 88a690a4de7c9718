// Security defaults: loopback only unless told, --root confines every path
// from OSC (no `..` and no symbolic-link escapes), caps on arguments and
// strings, /quit can be refused, existing files are never replaced.

import AutocoderOSC
import Foundation
import Testing

@Suite(.serialized) struct SecurityTests {
    @Test func rootConfinesLoadingAndRecording() throws {
        let root = temporaryDirectory()
        let outside = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root); try? FileManager.default.removeItem(atPath: outside) }
        for ext in [".mm", ".dec", ".enc"] {
            try FileManager.default.copyItem(atPath: Binaries.bundledModel + ext, toPath: root + "/inside.wav" + ext)
            try FileManager.default.copyItem(atPath: Binaries.bundledModel + ext, toPath: outside + "/outside.wav" + ext)
        }
        try FileManager.default.createDirectory(atPath: root + "/takes", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/escape", withDestinationPath: outside)
        let server = try ServerProcess(["--null-output", "--root", root])

        // Inside: relative paths are taken from the root.
        #expect(server.request("/load", [.string("inside.wav")], reply: "/loaded")?.arguments == [.string(root + "/inside.wav")])
        #expect(server.request("/record/start", [.string("takes/a.wav")], reply: "/record/started")?.arguments == [.string(root + "/takes/a.wav")])
        _ = server.request("/record/stop", reply: "/record/stopped")

        // Outside, by absolute path, by .., and through a symbolic link: refused.
        for (address, path) in [("/load", outside + "/outside.wav"), ("/load/decoder", "../" + (outside as NSString).lastPathComponent + "/outside.wav"),
                                ("/load/encoder", "escape/outside.wav"), ("/record/start", "escape/b.wav"), ("/record/start", "/tmp/c.wav"),
                                ("/load/distance", "takes/../../x.wav")] {
            let reason = server.expectError(address, [.string(path)])
            #expect(reason.contains("is outside the --root folder"), "\(address) \(path): \(reason)")
        }
        #expect(!FileManager.default.fileExists(atPath: outside + "/b.wav"))
        #expect(server.status()["model"] == .string(root + "/inside.wav"))
    }

    @Test func capsAndQuit() throws {
        let server = try ServerProcess(["--null-output", "--no-quit"])
        let tooMany = server.expectError("/encode", (0..<1025).map { _ in .float(0) })
        #expect(tooMany == "1025 arguments; at most 1024 are accepted")
        let long = server.expectError("/load", [.string(String(repeating: "x", count: 5000))])
        #expect(long == "a string of 5000 bytes; at most 4096 are accepted")
        #expect(server.expectError("/load", [.string("")]) == "argument 1 is an empty string")
        #expect(server.expectError("/load", [.string("/")]).contains("/.mm: no such file"))
        #expect(server.expectError("/quit") == "disabled (the server was started with --no-quit)")
        #expect(server.process.isRunning)
    }

    @Test func listensOnLoopbackByDefault() throws {
        let server = try ServerProcess()
        #expect(server.serverAddress.description.hasPrefix("127.0.0.1:"))
        let listening = try String(contentsOfFile: "/proc/net/udp", encoding: .utf8)
        let port = String(format: "%04X", Int(server.serverAddress.description.split(separator: ":").last!)!)
        #expect(listening.contains("0100007F:\(port)"), "bound to 127.0.0.1, not to every interface")
        #expect(!listening.contains("00000000:\(port)"))
    }
}
