// A take that ends by itself (issue 13, item 12): when the disk fills, /status
// keeps the take's path and frame count with the reason it ended,
// /record/stop answers for it, and every client told about recordings — the
// one that started it and a second controller that watches /status — hears
// of it. Needs root to mount a small tmpfs (CI runs as root).

import AudioTestSupport
import AutocoderAudio
import AutocoderOSC
import Foundation
import Testing

@Suite(.serialized) struct RecordingEndTests {
    @Test(.enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func aTakeThatFillsTheDiskKeepsItsBookkeeping() throws { try FullDiskTests.withSmallDisk { mountPoint in
        let server = try ServerProcess(["--null-output", "--root", mountPoint])
        // A second controller on another loopback address: replies reach it at
        // the same reply port of its own host.
        let reply = server.client.port
        let second = try UDPSocket(binding: SocketAddress(host: "127.0.0.2", port: reply))
        func secondReceives(_ address: String, timeout: Double) -> OSCMessage? {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline, let (bytes, _) = second.receive(timeout: deadline.timeIntervalSinceNow) {
                if let message = try? OSCCodec.decode(bytes).first, message.address == address { return message }
            }
            return nil
        }

        let path = mountPoint + "/full.wav"
        #expect(server.request("/record/start", [.string("full.wav")], reply: "/record/started")?.arguments == [.string(path)])
        second.send(OSCCodec.encode(OSCMessage("/status")), to: server.serverAddress)
        let watching = try #require(secondReceives("/status", timeout: 5))
        #expect(watching.arguments[10] == .int(1), "the second controller sees the take running")

        // 352,800 bytes a second (stereo float): 512 KB fills in about 1.5 s.
        let ended = server.expect("/error", timeout: 6)
        #expect(ended?.arguments.first == .string("/record"))
        let heardBySecond = secondReceives("/error", timeout: 2)
        #expect(heardBySecond?.arguments == ended?.arguments, "the second controller hears that the take ended")

        let take = try SoundFileInfo(path: path)
        let status = server.status()
        #expect(status["recording"] == .int(0) && status["playing"] == .int(1))
        #expect(status["recording_path"] == .string(path), "\(status)")
        #expect(status["recorded_frames"]?.int == take.frames && take.frames > 44100, "\(status); the file has \(take.frames) frames")
        guard case let .string(reason)? = status["recording_end_reason"] else {
            Issue.record("no recording_end_reason in \(status)")
            return
        }
        #expect(reason.contains("write failed after") && reason.contains("No space left on device"), "\(reason)")

        // /record/stop answers for the take that ended by itself, once.
        let stopped = server.request("/record/stop", reply: "/record/stopped")
        #expect(stopped?.arguments == [.string(path), .int(Int32(take.frames))])
        #expect(server.expectError("/record/stop").contains("no recording is running"))

        // A take stopped by hand keeps its bookkeeping too, with its reason.
        try FileManager.default.removeItem(atPath: path)
        _ = server.request("/record/start", [.string("again.wav")], reply: "/record/started")
        usleep(300_000)
        let again = server.request("/record/stop", reply: "/record/stopped")
        let after = server.status()
        #expect(after["recording"] == .int(0) && after["recording_path"] == .string(mountPoint + "/again.wav"))
        #expect(after["recorded_frames"] == again?.arguments.last && after["recording_end_reason"] == .string("stopped"), "\(after)")
    } }
}
