// A recording that fills its disk: the writer stops with an error reply, the
// file stays a playable WAV up to what fitted, and the sound keeps playing.
// Needs root to mount a small tmpfs (CI runs as root).

import AudioTestSupport
import AutocoderAudio
import AutocoderOSC
import Foundation
import Testing

@Suite(.serialized) struct FullDiskTests {
    static func run(_ command: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Runs `body` with a 512 KB tmpfs mounted at a new folder, then unmounts it.
    static func withSmallDisk(_ body: (_ mountPoint: String) throws -> Void) throws {
        let mountPoint = temporaryDirectory()
        #expect(run("/bin/mount", ["-t", "tmpfs", "-o", "size=512k", "tmpfs", mountPoint]) == 0)
        defer {
            _ = run("/bin/umount", [mountPoint])
            try? FileManager.default.removeItem(atPath: mountPoint)
        }
        try body(mountPoint)
    }

    @Test(.enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func recordingOntoAFullDisk() throws { try Self.withSmallDisk { mountPoint in
        let server = try ServerProcess(["--null-output", "--root", mountPoint])
        let path = mountPoint + "/full.wav"
        #expect(server.request("/record/start", [.string("full.wav")], reply: "/record/started")?.arguments == [.string(path)])
        // 352,800 bytes a second (stereo float): 512 KB fills in about 1.5 s.
        let error = server.expect("/error", timeout: 6)
        #expect(error?.arguments.first == .string("/record"))
        if case let .string(reason)? = error?.arguments.last { #expect(reason.contains("full.wav: write failed"), "\(reason)") }
        let status = server.status()
        #expect(status["recording"] == .int(0) && status["playing"] == .int(1))

        let take = try SoundFile(contentsOf: path)
        #expect(Double(take.frames) / 44100 > 1, "\(take.frames) frames fitted and stay readable")
        #expect(rms(take.samples) > 0.01)

        // Still playing and still recording elsewhere once there is room.
        try FileManager.default.removeItem(atPath: path)
        #expect(server.request("/record/start", [.string("again.wav")], reply: "/record/started") != nil)
        usleep(300_000)
        #expect(server.request("/record/stop", reply: "/record/stopped") != nil)
        #expect(rms(try SoundFile(contentsOf: mountPoint + "/again.wav").samples) > 0.01)
    } }
}
