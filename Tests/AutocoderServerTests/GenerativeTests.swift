// `autocoder granular` and `autocoder autocode` run as a user runs them (the
// release binary), on sounds made here whose content is known.

import AudioTestSupport
import AutocoderAudio
import AutocoderDSP
import Foundation
import Testing

@Suite(.serialized) struct GenerativeToolTests {
    @Test func granularGrainsAreTheSourceAtTheFramesTheOrderTableGives() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // White noise: every stretch of it is unlike every other, so a grain can
        // only correlate with the place it was cut from.
        var random = SplitMix64(seed: 11)
        let source = (0..<44100 * 4).map { _ in Float(random.next() >> 40) / Float(1 << 24) - 0.5 }
        let anchor = directory + "/noise.wav"
        try writeSound(source, to: anchor)
        let frames = source.count / 1024 - 2, neighbours = 12
        let table = (0..<frames).flatMap { frame in (1...neighbours).map { Int64((frame * 7 + $0 * 13) % frames) } }
        try writeNumPyInt64(table, shape: [frames, neighbours], to: anchor + ".ord.npy")

        let grain = 2048, hop = 4096, pool = 5
        let run = try Binaries.runAutocoder(["granular", anchor, "--seconds", "3", "--grain", String(grain), "--hop", String(hop),
                                             "--pool", String(pool), "--power", "1.5", "--seed", "7",
                                             "--frames", directory + "/frames.txt", "--out", directory + "/grains.wav"])
        #expect(run.status == 0, "\(run.output)")
        let output = try SoundFile(contentsOf: directory + "/grains.wav").samples
        let chosen = try String(contentsOfFile: directory + "/frames.txt", encoding: .utf8).split(separator: "\n").compactMap { Int($0) }
        #expect(chosen.count == Int((3.0 * 44100 / Double(hop)).rounded(.up)))

        let window = periodicHannWindow(grain)
        var worst = 1.0, bestWrong = 0.0
        for (k, frame) in chosen.enumerated() {
            let heard = (0..<grain).map { Double(output[k * hop + $0]) }
            let cut = (0..<grain).map { Double(source[frame * 1024 + $0] * window[$0]) }
            worst = min(worst, pearson(heard, cut))
            let elsewhere = (0..<grain).map { Double(source[((frame + 100) % frames) * 1024 + $0] * window[$0]) }
            bestWrong = max(bestWrong, abs(pearson(heard, elsewhere)))
            if k > 0 {
                let candidates = table[(chosen[k - 1] * neighbours)..<(chosen[k - 1] * neighbours + pool)].map { Int($0) }
                #expect(candidates.contains(frame), "grain \(k): frame \(frame) is not among \(candidates), the pool of \(chosen[k - 1])")
            }
        }
        print("granular: worst grain/source correlation \(worst), best correlation with a wrong place \(bestWrong)")
        #expect(worst > 0.999)
        #expect(bestWrong < 0.2)
        // Distinct candidates were used, not just the first.
        #expect(Set(chosen).count > chosen.count / 2)

        // The same seed gives the same file; another seed another walk.
        let again = try Binaries.runAutocoder(["granular", anchor, "--seconds", "3", "--grain", String(grain), "--hop", String(hop),
                                               "--pool", String(pool), "--power", "1.5", "--seed", "7", "--out", directory + "/again.wav"])
        #expect(again.status == 0)
        #expect(FileManager.default.contents(atPath: directory + "/again.wav") == FileManager.default.contents(atPath: directory + "/grains.wav"))
    }

    @Test func granularRefusesWhatItCannotUse() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let anchor = directory + "/tone.wav"
        try writeSound((0..<44100).map { sinf(Float($0) * 0.05) * 0.3 }, to: anchor)
        let missing = try Binaries.runAutocoder(["granular", anchor, "--out", directory + "/x.wav"])
        #expect(missing.status != 0 && missing.errors.contains("tone.wav.ord.npy"), "\(missing.errors)")
        try writeNumPyInt64((0..<40 * 3).map { Int64($0 % 40) }, shape: [40, 3], to: anchor + ".ord.npy")
        let pool = try Binaries.runAutocoder(["granular", anchor, "--pool", "4", "--out", directory + "/x.wav"])
        #expect(pool.status != 0 && pool.errors.contains("--pool 4 is more than the 3 similar frames"), "\(pool.errors)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/x.wav"))
    }

    @Test func autocodeFollowsTheModulator() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let modulator = directory + "/modulator.wav"
        let sound = Modulator.make()
        try writeSound(sound, to: modulator)
        // The modulator's own model, trained on its normalised frames.
        let analysis = try Binaries.runAutocoder(["analyze", modulator, "--normalized"])
        #expect(analysis.status == 0, "\(analysis.output)")
        let training = try Binaries.runAutocoder(["train", modulator, "--epochs", "150", "--batch-size", "32", "--patience", "150"])
        #expect(training.status == 0, "\(training.output)")

        func autocode(_ carrier: String, _ name: String, _ extra: [String] = []) throws -> [Float] {
            let run = try Binaries.runAutocoder(["autocode", carrier, modulator, "--out", directory + "/" + name] + extra)
            #expect(run.status == 0, "\(run.output)")
            return try SoundFile(contentsOf: directory + "/" + name).samples
        }
        let own = try autocode(modulator, "own.wav")
        let drone = try autocode(Binaries.bundledModel, "drone.wav")
        let reordered = try autocode(modulator, "reordered.wav", ["--reorder", "8", "7", "6", "5", "4", "3", "2", "1", "--invert", "1", "2"])
        #expect(own.count == sound.count && drone.count == sound.count)

        let loudnessOwn = pearson(Modulator.loudness(own), Modulator.loudness(sound))
        let loudnessDrone = pearson(Modulator.loudness(drone), Modulator.loudness(sound))
        let envelopeOwn = Modulator.envelopeCorrelation(own, sound)
        let envelopeDrone = Modulator.envelopeCorrelation(drone, sound)
        let envelopeReordered = Modulator.envelopeCorrelation(reordered, sound)
        print("autocode: loudness correlation \(loudnessOwn) (own model), \(loudnessDrone) (drone model); "
            + "spectral envelope correlation \(envelopeOwn) (own model, identity), \(envelopeReordered) (own model, reordered), \(envelopeDrone) (drone model)")
        #expect(loudnessOwn > 0.95)
        // Through a foreign model too, though its spectrum has energy where the
        // modulator's near-pure tones have none (the voice's level follower
        // makes up what the borrowed phases lose there).
        #expect(loudnessDrone > 0.9)
        #expect(envelopeOwn > 0.8)
        // The carrier shapes the timbre: another model or a scrambled mapping follows the modulator's envelope less.
        #expect(envelopeDrone < envelopeOwn - 0.1)
        #expect(envelopeReordered < envelopeOwn)
    }
}

/// A test modulator whose loudness and spectral envelope both change: tones of
/// different pitch and brightness and noises of different colour, each swelling
/// and fading.
enum Modulator {
    static func make() -> [Float] {
        let rate: Float = 44100, segment = 44100
        var random = SplitMix64(seed: 5)
        var low: Float = 0
        var sound: [Float] = []
        for s in 0..<8 {
            let peak: Float = [0.5, 0.15, 0.8, 0.3, 0.25, 0.7, 0.4, 0.1][s]
            for i in 0..<segment {
                let t = Float(i) / rate
                let noise = Float(random.next() >> 40) / Float(1 << 24) - 0.5
                low = 0.97 * low + 0.03 * noise
                var x: Float
                switch s % 4 {
                case 0: x = (1...12).reduce(0) { $0 + sinf(2 * .pi * 220 * Float($1) * t) / Float($1) } * 0.3
                case 1: x = low * 6
                case 2: x = (1...4).reduce(0) { $0 + sinf(2 * .pi * 660 * Float($1) * t) / Float($1 * $1 * $1) } * 0.6
                default: x = (noise - low) * 0.8
                }
                // Swell in, hold, fade out, with a gap between segments.
                let envelope = min(1, Float(i) / 4410) * min(1, Float(segment - 4410 - i) / 4410)
                sound.append(x * peak * max(0, envelope))
            }
        }
        return sound
    }

    /// RMS per 2048-sample frame.
    static func loudness(_ x: [Float]) -> [Double] {
        stride(from: 0, to: x.count - 2048, by: 1024).map { Double(rms(x[$0..<$0 + 2048])) }
    }

    /// Correlation of the spectral envelopes (log band energies less each frame's
    /// mean, over 24 log-spaced bands from 100 Hz to 16 kHz) in the frames
    /// where the modulator sounds.
    static func envelopeCorrelation(_ a: [Float], _ b: [Float]) -> Double {
        let size = 2048
        let edges = (0...24).map { Int(100 * pow(160, Double($0) / 24) * Double(size) / 44100) }
        func bands(_ x: [Float], _ start: Int) -> [Double] {
            let power = powerSpectrum(Array(x[start..<start + size]), size: size)
            let logs = (0..<24).map { band in log10(power[edges[band]..<max(edges[band + 1], edges[band] + 1)].reduce(1e-12, +)) }
            let mean = logs.reduce(0, +) / 24
            return logs.map { $0 - mean }
        }
        var left: [Double] = [], right: [Double] = []
        for start in stride(from: 0, to: b.count - size, by: size) where rms(b[start..<start + size]) > 0.01 {
            left += bands(a, start)
            right += bands(b, start)
        }
        return pearson(left, right)
    }
}

func writeSound(_ samples: [Float], to path: String) throws {
    let writer = try SoundFileWriter(path: path, channels: 1, sampleRate: 44100)
    try writer.write(samples)
    try writer.close()
}

@Suite struct GenerativeAddressTests {
    @Test func badGenerativeRequestsAreRefusedAndTheServerPlaysOn() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let anchor = directory + "/tone.wav"
        try writeSound((0..<44100).map { sinf(Float($0) * 0.05) * 0.3 }, to: anchor)
        let server = try ServerProcess(["--null-output", "--root", directory])

        #expect(server.expectError("/granular", [.int(1)]).contains("no granular source loaded"))
        #expect(server.expectError("/granular/frame", [.int(3)]).contains("no granular source loaded"))
        #expect(server.expectError("/load/granular", [.string("tone.wav")]).contains("tone.wav.ord.npy"))
        #expect(server.expectError("/load/granular", [.string("/etc/passwd")]).contains("outside the --root folder"))
        try writeNumPyInt64((0..<40 * 3).map { Int64($0 % 40) }, shape: [40, 3], to: anchor + ".ord.npy")
        #expect(server.request("/load/granular", [.string("tone.wav")], reply: "/loaded")?.arguments == [.string(anchor)])
        #expect(server.expectError("/granular/pool", [.int(4)]).contains("expected a whole number from 1 to 3"))
        #expect(server.expectError("/granular/size", [.float(5)]).contains("expected 0.002 to 2"))
        #expect(server.expectError("/granular/rate", [.string("fast")]).contains("has type tag 's' (string); expected a number"))
        #expect(server.expectError("/granular/frame", [.int(40)]).contains("from 0 to 39"))

        #expect(server.expectError("/autocode", [.int(1)]).contains("no autocode input"))
        #expect(server.expectError("/autocode/input", [.string("device")]).contains("no input device is open"))
        #expect(server.expectError("/autocode/input", [.string("missing.wav")]).contains("missing.wav"))
        #expect(server.expectError("/autocode/reorder", [.int(9)]).contains("expected a whole number from 1 to 8"))
        #expect(server.expectError("/autocode/invert", [.int(2)]).contains("from 0 to 1"))
        #expect(server.expectError("/autocode/scale", [.float(.nan)]).contains("expected a finite number"))
        #expect(server.expectError("/autocode/offset", (0..<9).map { _ in .float(0) }).contains("expected 1 to 8 arguments, got 9"))
        #expect(server.expectError("/autocode/level", [.float(5)]).contains("expected 0.0 to 4.0"))

        // Nothing was lost: the granular voice plays, and the generative one still does.
        #expect(server.request("/autocode/input", [.string("tone.wav")], reply: "/autocode/input")?.arguments == [.string(anchor)])
        server.send("/granular", [.int(1)])
        server.send("/autocode", [.int(1)])
        let status = server.status()
        #expect(status["granular"] == .int(1) && status["autocode"] == .int(1) && status["playing"] == .int(1))
        #expect(status["rejected"] == .int(16))
    }
}
