// The native JACK output (issue 13, item 11): as many ports as channels, the
// server's rate and buffer size, a refusal with the reason when JACK cannot
// give the ports, and the PortAudio path kept for devices that are not JACK.
// Each test runs its own JACK server (PrivateJackServer), never the shared one;
// the tests of JackLossTests.swift belong to this suite too, so that only one
// such server runs at a time.

import AudioTestSupport
import AutocoderAudio
import AutocoderOSC
import Foundation
import Testing

@Suite(.serialized, .enabled(if: PrivateJackServer.available, "needs jackd (jackd2)"))
struct JackOutputTests {
    @Test func sixChannelsGetSixJackPortsWithTheSound() throws {
        let jack = try PrivateJackServer("ports")
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess(["--channels", "6", "--jack-name", "six"], environment: jack.environment)
        let status = server.status()
        #expect(status["output"] == .string("jack"))
        #expect(status["sample_rate"]?.int == 44100)
        #expect(status["block_size"]?.int == 256, "JACK's buffer size")
        let ports = jack.ports.filter { $0.hasPrefix("six:") }
        #expect(ports == (0..<6).map { "six:out_\($0)" }, "\(jack.ports)")
        // The ports beyond the server's two physical playback ports are there, unconnected, and carry the sound.
        #expect(jack.run("jack_lsp", ["-c", "six:out_0"]).output.contains("system:playback_1"))
        let port6 = directory + "/out_5.wav"
        #expect(jack.run("jack_rec", ["-f", port6, "-d", "1", "-b", "16", "six:out_5"]).status == 0)
        let sixth = try SoundFile(contentsOf: port6)
        #expect(sixth.frames > 40000 && rms(sixth.samples) > 0.01, "out_5: \(sixth.frames) frames, rms \(rms(sixth.samples))")

        _ = server.request("/record/start", [.string(directory + "/six.wav")], reply: "/record/started")
        usleep(1_000_000)
        _ = server.request("/record/stop", reply: "/record/stopped")
        let take = try SoundFile(contentsOf: directory + "/six.wav")
        #expect(take.channels == 6)
        #expect(Double(take.frames) / 44100 > 0.8, "JACK's clock drove the callbacks")
        let first = take.channel(0)
        #expect(rms(first) > 0.01)
        // At width 1 (the default) the odd channels carry the second, decorrelated signal.
        let second = take.channel(1)
        #expect(second != first)
        #expect(abs(decibels(rms(second)) - decibels(rms(first))) < 1.5, "the second signal at the first's level")
        for c in 2..<6 { #expect(take.channel(c) == (c % 2 == 0 ? first : second), "channel \(c + 1) is signal \(c % 2 + 1)") }
        server.send("/quit")
        #expect(server.waitForExit() == 0)
        let summary = server.standardOutput
        #expect(summary.contains("audio:  JACK: six on server \"\(jack.name)\", 44100 Hz, block 256, 6 output ports; "
            + "out_0…out_1 → system:playback_1…system:playback_2, out_2…out_5 unconnected (the server has 2 physical playback ports)"),
            "\(summary)")
    }

    @Test func inputPortsFeedTheAutocodeVoice() throws {
        let jack = try PrivateJackServer("inputs")
        let server = try ServerProcess(["--silent", "--input-channels", "2", "--jack-name", "ins"], environment: jack.environment)
        #expect(Set(jack.ports.filter { $0.hasPrefix("ins:") }) == ["ins:out_0", "ins:out_1", "ins:in_0", "ins:in_1"], "\(jack.ports)")
        #expect(server.request("/autocode/input", [.string("device")], reply: "/autocode/input")?.arguments == [.string("device")])
    }

    @Test func refusesChannelsTheJackServerCannotGive() throws {
        // Four system ports of eight: six more cannot be registered.
        let jack = try PrivateJackServer("port-limit", options: ["--port-max", "8"])
        let run = try Binaries.runAutocoder(["serve", String(try freePort()), String(try freePort()), "--model", Binaries.bundledModel,
                                             "--channels", "6"], environment: jack.environment, timeout: 20)
        #expect(run.status != 0)
        #expect(run.errors.contains("JACK server \"\(jack.name)\" refused port out_"), "\(run.errors)")
        #expect(run.errors.contains("of the 6 output ports asked for"), "\(run.errors)")
    }

    @Test func listsTheJackServerAndPicksItByName() throws {
        let jack = try PrivateJackServer("list")
        let list = try Binaries.runAutocoder(["serve", "--list-devices"], environment: jack.environment)
        #expect(list.status == 0)
        #expect(list.output.hasPrefix("jack: JACK server \"\(jack.name)\", 44100 Hz, buffer 256, 2 playback and 2 capture ports"), "\(list.output)")
        #expect(!list.output.contains("[JACK Audio Connection Kit]"), "PortAudio's own JACK device is not offered: \(list.output)")
        let server = try ServerProcess(["--device", "jack", "--jack-name", "named"], environment: jack.environment)
        #expect(server.status()["output"] == .string("jack"))
    }

    @Test func aNamedJackWithoutAServerIsAnError() throws {
        let run = try Binaries.runAutocoder(["serve", String(try freePort()), String(try freePort()), "--model", Binaries.bundledModel,
                                             "--device", "jack"], environment: ["JACK_DEFAULT_SERVER": "autocoder-test-nobody-\(getpid())"], timeout: 20)
        #expect(run.status != 0)
        #expect(run.errors.contains("no JACK server \"autocoder-test-nobody-\(getpid())\" is running"), "\(run.errors)")
    }

    @Test func theRenderThreadNeverAllocatesInTheJackCallback() throws {
        let jack = try PrivateJackServer("allocations")
        let (text, callbacks) = try Binaries.runAllocationProbe(null: false, environment: jack.environment)
        #expect(text.contains("output: JACK: autocoder-allocation-probe on server \"\(jack.name)\""), "\(text)")
        #expect(text.contains("autocode input: the device's input"), "\(text)")
        #expect(text.contains("filter voices: on the device's input, on a looped sound, on another's output"), "\(text)")
        #expect(callbacks > 300, "\(text)")
        #expect(text.contains("render-thread allocations: 0 (0 bytes)"), "\(text)")
    }
}
