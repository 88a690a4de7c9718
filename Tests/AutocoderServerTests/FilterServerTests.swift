// Filter voices live, under JACK's dummy backend: a filter voice on a looped
// file and on the device input (fed over jack_connect by a second server that
// plays the same noise dry) sounds as `autocoder filter` renders the same
// input offline with the same settings — long-term spectrum, level, and no
// dropouts; a second filter voice takes the first one's output; and the
// inputs a filter voice cannot have are refused.

import AudioTestSupport
import AutocoderAudio
import AutocoderDSP
import AutocoderOSC
import Foundation
import Testing

@Suite(.serialized, .enabled(if: JACK.isRunning, "needs a JACK server (scripts/test starts jackd -d dummy)"))
struct FilterServerTests {
    /// The held latent point and the controls both the live voice and the offline tool get.
    static let latent: [Float] = [0.2, 0.7, 0.4, 0.9, 0.1, 0.5, 0.6, 0.3]
    static let settings: [(String, Float)] = [("whitening", 0.3), ("autofilter", 0.2), ("tail", 0.3), ("predelay", 0.03), ("mix", 0.9)]
    /// The chained voice's: its own point, the input's own colour kept, no tail.
    static let chainedLatent: [Float] = [0.8, 0.3, 0.6, 0.2, 0.9, 0.4, 0.5, 0.7]
    static let chainedSettings: [(String, Float)] = [("whitening", 0.6), ("autofilter", 0), ("tail", 0), ("mix", 1)]

    static let noiseFrames = 6 * 44100

    /// Six seconds of noise tilted towards the bass (white plus a one-pole
    /// low-pass of it), 0.1 RMS: its peaks stay well below the limiter's ceiling.
    static func noise() -> [Float] {
        var random = SplitMix64(seed: 11)
        var low: Float = 0
        let raw = (0..<noiseFrames).map { _ -> Float in
            let white = Float(random.next() >> 40) / Float(1 << 24) - 0.5
            low = 0.95 * low + 0.05 * white
            return 0.3 * white + 4 * low
        }
        let scale = 0.1 / rms(raw)
        return raw.map { $0 * scale }
    }

    /// Sends voice `id` its held latent point (no walk, no glide) and `settings`.
    func hold(_ server: ServerProcess, voice id: Int, latent: [Float], settings: [(String, Float)]) {
        server.send("/voice/\(id)/walk", [.int(0)])
        server.send("/voice/\(id)/glide", [.float(0)])
        server.send("/voice/\(id)/latent", latent.map { .float($0) })
        for (name, value) in settings { server.send("/voice/\(id)/\(name)", [.float(value)]) }
    }

    /// `autocoder filter` on `input` with the same latent point and settings:
    /// the output while the noise plays, less its first second (as the live
    /// take skips the voice's start) and the tail after it.
    func offline(_ input: String, to path: String, latent: [Float], settings: [(String, Float)]) throws -> [Float] {
        let rendered = try Binaries.runAutocoder(["filter", Binaries.bundledModel, input, "--out", path, "--no-walk", "--latent"]
            + latent.map { String($0) } + settings.flatMap { ["--" + $0.0, String($0.1)] })
        #expect(rendered.status == 0, "\(rendered.errors)")
        return Array(try SoundFile(contentsOf: path).samples[44100..<Self.noiseFrames])
    }

    /// `seconds` of the server's first channel.
    func record(_ server: ServerProcess, _ path: String, seconds: Double) throws -> [Float] {
        _ = server.request("/record/start", [.string(path)], reply: "/record/started")
        usleep(useconds_t(seconds * 1e6))
        _ = server.request("/record/stop", reply: "/record/stopped")
        let take = try SoundFile(contentsOf: path)
        return stride(from: 0, to: take.frames, by: 1).map { take.samples[$0 * take.channels] }
    }

    /// Long-term log power, 100 Hz to 8 kHz (frames of 4096).
    func logSpectrum(_ x: [Float]) -> [Double] {
        Array(powerSpectrum(x)[10...743]).map { log10($0 + 1e-20) }
    }

    /// The longest run of samples below −80 dBFS: a dropout shows as one.
    func longestSilence(_ x: [Float]) -> Int {
        var longest = 0, run = 0
        for sample in x {
            run = abs(sample) < 1e-4 ? run + 1 : 0
            longest = max(longest, run)
        }
        return longest
    }

    /// Checks a live take against the offline render: spectrum, level, no dropout.
    func expectSameSound(_ live: [Float], _ reference: [Float], _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let correlation = pearson(logSpectrum(live), logSpectrum(reference))
        let levelDifference = decibels(rms(live)) - decibels(rms(reference))
        let silence = longestSilence(live)
        print(String(format: "live filter (%@): log-spectrum correlation with offline %.4f, level %.1f dBFS (offline %.1f, %+.2f dB), longest silence %d samples",
                     label, correlation, decibels(rms(live)), decibels(rms(reference)), levelDifference, silence))
        #expect(correlation > 0.99, "\(label): \(correlation)", sourceLocation: sourceLocation)
        #expect(abs(levelDifference) < 1, "\(label): \(levelDifference) dB", sourceLocation: sourceLocation)
        #expect(silence < 32, "\(label): a run of \(silence) silent samples", sourceLocation: sourceLocation)
    }

    @Test func aFilterVoiceOnALoopedFileAndAChainedOneSoundAsOffline() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = directory + "/noise.wav"
        try writeSound(Self.noise(), to: input)
        let server = try ServerProcess(["--jack-name", "autocoder-filter-loop"])
        #expect(server.status()["output"] == .string("jack"))
        server.send("/stop")
        #expect(server.request("/voice/new", [.int(2), .string("filter")], reply: "/voice/new")?.arguments == [.int(2), .string("filter")])
        hold(server, voice: 2, latent: Self.latent, settings: Self.settings)
        #expect(server.request("/voice/2/input", [.string(input)], reply: "/voice/input")?.arguments == [.int(2), .string(input)])
        usleep(1_000_000)
        let live = try record(server, directory + "/loop.wav", seconds: 3)
        let reference = try offline(input, to: directory + "/offline.wav", latent: Self.latent, settings: Self.settings)
        expectSameSound(live, reference, "looped file")

        // Voice 3 filters voice 2's output (before its level: voice 2 itself is not heard);
        // offline, the same is the first render filtered again.
        #expect(server.request("/voice/new", [.int(3), .string("filter")], reply: "/voice/new")?.arguments == [.int(3), .string("filter")])
        hold(server, voice: 3, latent: Self.chainedLatent, settings: Self.chainedSettings)
        #expect(server.request("/voice/3/input", [.string("voice"), .int(2)], reply: "/voice/input")?.arguments
            == [.int(3), .string("voice"), .int(2)])
        server.send("/voice/2/level", [.float(0)])
        usleep(1_000_000)
        let chained = try record(server, directory + "/chained.wav", seconds: 3)
        let chainedReference = try offline(directory + "/offline.wav", to: directory + "/offline-chained.wav",
                                           latent: Self.chainedLatent, settings: Self.chainedSettings)
        expectSameSound(chained, chainedReference, "voice 2's output")
        // Its own colour: far from voice 2's, by the measure above.
        let ofVoice2 = pearson(logSpectrum(chained), logSpectrum(reference))
        print(String(format: "live filter: the chained voice's log spectrum against voice 2's: %.4f", ofVoice2))
        #expect(ofVoice2 < 0.95)

        // Inputs a filter voice cannot have; voice 3 plays on.
        #expect(server.expectError("/voice/2/input", [.string("voice"), .int(2)]).contains("cannot take its own output"))
        #expect(server.expectError("/voice/2/input", [.string("voice"), .int(99)]).contains("there is no voice 99"))
        #expect(server.expectError("/voice/2/input", [.string("device")]).contains("no input device is open"))
        #expect(rms(try record(server, directory + "/after.wav", seconds: 0.5)) > 0.01)
        server.send("/quit")
        #expect(server.waitForExit() == 0)
    }

    @Test func aFilterVoiceOnTheDeviceInputSoundsAsOffline() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = directory + "/noise.wav"
        try writeSound(Self.noise(), to: input)
        // The noise comes from a second server whose filter voice plays its input dry (mix 0).
        let feeder = try ServerProcess(["--jack-name", "autocoder-filter-feed"])
        feeder.send("/stop")
        _ = feeder.request("/voice/new", [.int(2), .string("filter")], reply: "/voice/new")
        feeder.send("/voice/2/mix", [.float(0)])
        _ = feeder.request("/voice/2/input", [.string(input)], reply: "/voice/input")

        let name = "autocoder-filter-device"
        let server = try ServerProcess(["--input-channels", "1", "--jack-name", name])
        server.send("/stop")
        #expect(server.request("/voice/new", [.int(2), .string("filter")], reply: "/voice/new")?.arguments == [.int(2), .string("filter")])
        hold(server, voice: 2, latent: Self.latent, settings: Self.settings)
        #expect(server.request("/voice/2/input", [.string("device")], reply: "/voice/input")?.arguments == [.int(2), .string("device")])
        let connect = Process()
        connect.executableURL = URL(fileURLWithPath: "/usr/bin/jack_connect")
        connect.arguments = ["autocoder-filter-feed:out_0", name + ":in_0"]
        try connect.run()
        connect.waitUntilExit()
        #expect(connect.terminationStatus == 0)
        usleep(1_000_000)
        let live = try record(server, directory + "/device.wav", seconds: 3)
        let fed = try record(feeder, directory + "/fed.wav", seconds: 0.5)
        #expect(abs(decibels(rms(fed)) - decibels(0.1)) < 1, "the feeder plays the noise: \(rms(fed))")
        let reference = try offline(input, to: directory + "/offline.wav", latent: Self.latent, settings: Self.settings)
        expectSameSound(live, reference, "device input")
        server.send("/quit")
        #expect(server.waitForExit() == 0)
        feeder.send("/quit")
        #expect(feeder.waitForExit() == 0)
    }
}
