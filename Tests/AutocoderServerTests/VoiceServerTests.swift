// The voices over OSC, as a client sees them: /voice/new of every kind, with
// and without an anchor; /voices; every per-voice control under /voice/ID/;
// /voice/ID/status; /voice/ID/free → /voice/freed; clear errors for an ID in
// use or out of range, a bad kind, a voice that does not exist and a control
// of another kind; and, under JACK's dummy backend with 4 ports, 16 voices of
// four models routed over 4 channels, each channel heard with the spectrum of
// its own voices and no other.

import AudioTestSupport
import AutocoderAudio
import AutocoderOSC
import Foundation
import Testing

@Suite struct VoiceServerTests {
    static let models = ["models/drone.wav", "Tests/Fixtures/models/new-full-shallow", "Tests/Fixtures/models/new-tiny-deep",
                         "Tests/Fixtures/models/new-full-deep"].map { Binaries.root + "/" + $0 }

    /// Voice `id`'s latent point (as in the offline references).
    static func latent(_ id: Int) -> [Float] { (0..<8).map { Float((id * 37 + $0 * 11) % 100) / 100 } }

    @Test func voicesAreMadeSteeredAskedAboutAndFreed() throws {
        let server = try ServerProcess()
        #expect(server.request("/voice/new", [.int(2), .string("generative")], reply: "/voice/new")?.arguments == [.int(2), .string("generative")])
        let deep = Self.models[3]
        #expect(server.request("/voice/new", [.int(3), .string("generative"), .string(deep)], reply: "/voice/new", timeout: 15)?.arguments
            == [.int(3), .string("generative")])
        #expect(server.request("/voice/new", [.int(4), .string("granular")], reply: "/voice/new")?.arguments == [.int(4), .string("granular")])
        #expect(server.request("/voice/new", [.int(1024), .string("autocode")], reply: "/voice/new")?.arguments == [.int(1024), .string("autocode")])
        #expect(server.request("/voices", reply: "/voices")?.arguments
            == [.int(1), .string("generative"), .int(2), .string("generative"), .int(3), .string("generative"), .int(4), .string("granular"),
                .int(1024), .string("autocode")])
        #expect(server.status()["voices"]?.int == 5)

        for (address, arguments) in [("/voice/2/latent", Self.latent(2).map { OSCArgument.float($0) }), ("/voice/2/walk", [.int(0)]),
                                     ("/voice/2/glide", [.float(0)]), ("/voice/2/level", [.float(0.5)]), ("/voice/2/out", [.int(2)]),
                                     ("/voice/2/pan", [.float(0.25)]), ("/voice/2/brightness", [.float(0.3)]), ("/voice/2/latent/3", [.float(0.9)])] {
            server.send(address, arguments)
        }
        usleep(300_000)
        let status = try #require(server.request("/voice/2/status", reply: "/voice/status"))
        #expect(Array(status.arguments.prefix(7)) == [.int(2), .string("generative"), .string(Binaries.bundledModel), .float(0.5), .int(2), .float(0.25), .int(1)])
        let sounding = status.arguments.dropFirst(7).compactMap(\.float)
        var expected = Self.latent(2)
        expected[2] = 0.9
        #expect(sounding.count == 8 && zip(sounding, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "\(sounding)")
        #expect(server.request("/voice/3/status", reply: "/voice/status")?.arguments[2] == .string(deep))

        // Refusals, each naming what was wrong; the server plays on.
        #expect(server.expectError("/voice/new", [.int(2), .string("generative")]).contains("voice 2 exists already"))
        #expect(server.expectError("/voice/new", [.int(1), .string("generative")]).contains("2 to 1024"))
        #expect(server.expectError("/voice/new", [.int(1025), .string("granular")]).contains("2 to 1024"))
        #expect(server.expectError("/voice/new", [.int(5), .string("banana")]).contains("\"banana\""))
        #expect(server.expectError("/voice/9/latent", [.float(0.5)]).contains("there is no voice 9"))
        #expect(server.expectError("/voice/4/latent", [.float(0.5)]).contains("voice 4 is a granular voice"))
        #expect(server.expectError("/voice/2/granular/size", [.float(0.1)]).contains("voice 2 is a generative voice"))
        #expect(server.expectError("/voice/2/out", [.int(3)]).contains("from 0 to 2"), "2 channels")
        #expect(server.expectError("/voice/2/level", [.float(5)]).contains("4"))
        #expect(server.expectError("/voice/1/free").contains("voice 1 always exists"))
        #expect(server.expectError("/voice/2/nonsense").contains("unknown address"))

        #expect(server.request("/voice/2/free", reply: "/voice/freed")?.arguments == [.int(2)])
        #expect(server.request("/voice/4/free", reply: "/voice/freed")?.arguments == [.int(4)])
        #expect(server.request("/voices", reply: "/voices")?.arguments
            == [.int(1), .string("generative"), .int(3), .string("generative"), .int(1024), .string("autocode")])
        #expect(server.expectError("/voice/2/status").contains("there is no voice 2"))
        // An ID is free again once its voice has gone.
        #expect(server.request("/voice/new", [.int(2), .string("granular")], reply: "/voice/new")?.arguments == [.int(2), .string("granular")])
        #expect(server.status()["voices"]?.int == 4)
        server.send("/quit")
        #expect(server.waitForExit() == 0)
    }

    @Test(.enabled(if: JACK.isRunning, "needs a JACK server (scripts/test starts jackd -d dummy)"))
    func sixteenVoicesOverFourJackChannelsEachChannelHasItsVoices() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess(["--channels", "4", "--jack-name", "autocoder-voices", "--no-walk"])
        #expect(server.status()["output"] == .string("jack"))
        server.send("/stop")
        for id in 2...17 {
            let model = Self.models[(id - 2) / 4]
            #expect(server.request("/voice/new", [.int(Int32(id)), .string("generative"), .string(model)], reply: "/voice/new", timeout: 20) != nil)
            server.send("/voice/\(id)/walk", [.int(0)])
            server.send("/voice/\(id)/glide", [.float(0)])
            server.send("/voice/\(id)/latent", Self.latent(id).map { .float($0) })
            server.send("/voice/\(id)/level", [.float(0.25)])
            server.send("/voice/\(id)/out", [.int(Int32((id - 2) / 4 + 1))])
        }
        #expect(server.status()["voices"]?.int == 17)
        usleep(500_000)
        _ = server.request("/record/start", [.string(directory + "/voices.wav")], reply: "/record/started")
        usleep(2_500_000)
        _ = server.request("/record/stop", reply: "/record/stopped")
        let take = try SoundFile(contentsOf: directory + "/voices.wav")
        #expect(take.channels == 4)

        // What each channel should hold: the power spectra of its four voices, rendered offline one by one, summed,
        // in bands of 20 bins (86 Hz: the random phase's scatter averages out), in dB.
        func bands(_ power: [Double]) -> [Double] {
            stride(from: 10, to: 1490, by: 20).map { 10 * log10(power[$0..<$0 + 20].reduce(0, +) + 1e-20) }
        }
        var expected: [[Double]] = []
        for channel in 0..<4 {
            var sum = [Double](repeating: 0, count: 2048)
            for id in (2 + 4 * channel)...(5 + 4 * channel) {
                let path = directory + "/voice-\(id).wav"
                let rendered = try Binaries.runAutocoder(["render", Self.models[channel], "--no-walk", "--frames", "200", "--out", path,
                                                          "--latent"] + Self.latent(id).map { String($0) })
                #expect(rendered.status == 0, "\(rendered.errors)")
                let power = powerSpectrum(Array(try SoundFile(contentsOf: path).samples.dropFirst(8192)))
                for k in 0..<2048 { sum[k] += power[k] * 0.0625 }   // at level 0.25
            }
            expected.append(bands(sum))
        }
        for channel in 0..<4 {
            let heard = bands(powerSpectrum(Array(take.channel(channel).dropFirst(8192))))
            // Mean distance in dB between what the channel holds and each channel's voices.
            let distances = expected.map { zip(heard, $0).map { abs($0 - $1) }.reduce(0, +) / Double(heard.count) }
            print("channel \(channel + 1): mean dB from each channel's voices \(distances.map { String(format: "%.2f", $0) })")
            #expect(distances[channel] < 1, "channel \(channel + 1) holds its voices' spectrum: \(distances)")
            #expect(distances.indices.allSatisfy { $0 == channel || distances[$0] > distances[channel] + 1 },
                    "channel \(channel + 1) holds no other voices: \(distances)")
            #expect(rms(take.channel(channel)) > 0.005)
        }
        server.send("/quit")
        #expect(server.waitForExit() == 0)
    }
}
