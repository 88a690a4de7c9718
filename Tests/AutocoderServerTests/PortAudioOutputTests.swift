// The PortAudio path for devices that are not JACK (issue 13, item 11), on
// ALSA devices made of ALSA's own plugins (there is no sound card here): a
// null device that takes any channel count, and a two-channel one. No JACK
// server is visible to these servers (JACK_DEFAULT_SERVER names none).

import AudioTestSupport
import AutocoderAudio
import Foundation
import Testing

@Suite(.serialized)
struct PortAudioOutputTests {
    static let nullDevice = """
        pcm.autocoder_null {
            type null
            hint { show on description "takes any channels, plays nothing" }
        }

        """
    static let stereoDevice = """
        pcm.autocoder_stereo {
            type multi
            slaves.a { pcm "null" channels 2 }
            bindings.0 { slave a channel 0 }
            bindings.1 { slave a channel 1 }
            hint { show on description "exactly two channels" }
        }

        """

    /// A HOME whose .asoundrc defines `devices`, and no JACK server.
    static func environment(_ home: String, devices: [String]) throws -> [String: String] {
        try devices.joined().write(toFile: home + "/.asoundrc", atomically: true, encoding: .utf8)
        return ["HOME": home, "JACK_DEFAULT_SERVER": "autocoder-test-nobody-\(getpid())"]
    }

    @Test func playsThroughAnALSADevice() throws {
        let home = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let environment = try Self.environment(home, devices: [Self.nullDevice, Self.stereoDevice])
        let list = try Binaries.runAutocoder(["serve", "--list-devices"], environment: environment)
        #expect(list.output.contains("autocoder_null [ALSA]") && list.output.contains("autocoder_stereo [ALSA] 2 in, 2 out"), "\(list.output)")
        let server = try ServerProcess(["--device", "autocoder_null"], environment: environment)
        #expect(server.status()["output"] == .string("portaudio"))
        _ = server.request("/record/start", [.string(home + "/alsa.wav")], reply: "/record/started")
        usleep(300_000)
        _ = server.request("/record/stop", reply: "/record/stopped")
        // ALSA's null plugin takes samples as fast as they come (it keeps no clock), so only the content is judged.
        let take = try SoundFile(contentsOf: home + "/alsa.wav")
        #expect(take.channels == 2 && take.frames > 4410)
        #expect(rms(take.samples) > 0.01)
    }

    @Test func refusesChannelsNoDeviceCanGive() throws {
        let home = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        // Only the two-channel device (the null device would take six channels).
        let environment = try Self.environment(home, devices: [Self.stereoDevice])
        let run = try Binaries.runAutocoder(["serve", String(try freePort()), String(try freePort()), "--model", Binaries.bundledModel,
                                             "--channels", "6"], environment: environment, timeout: 20)
        #expect(run.status != 0, "\(run.output)")
        #expect(run.errors.contains("no sound device can play 6 channels: autocoder_stereo [ALSA] has 2 output channels, 6 asked for"),
                "\(run.errors)")
        let named = try Binaries.runAutocoder(["serve", String(try freePort()), String(try freePort()), "--model", Binaries.bundledModel,
                                               "--device", "autocoder_stereo", "--channels", "6"], environment: environment, timeout: 20)
        #expect(named.status != 0)
        #expect(named.errors.contains("the named device cannot play: autocoder_stereo [ALSA] has 2 output channels, 6 asked for"),
                "\(named.errors)")
    }

    @Test func noDeviceAtAllStillServesOnTheNullOutput() throws {
        let home = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let server = try ServerProcess(["--channels", "6"], environment: try Self.environment(home, devices: []))
        #expect(server.status()["output"] == .string("null"))
        server.send("/quit")
        #expect(server.waitForExit() == 0)
        let summary = server.standardOutput
        #expect(summary.contains("audio:  null output (nothing is heard), 44100 Hz, block 256: no usable sound device (no JACK server"), "\(summary)")
    }
}
