// The level live: the README's first example (walk off, /latent all 0, then
// all 1) records with no sample at full scale and no flat top, at gain 1 and
// at gain 4; /status reports the limiter's work and the model's make-up gain,
// and the start-up line and the load log give the calibration.

import AudioTestSupport
import AutocoderAudio
import AutocoderOSC
import Foundation
import Testing

@Suite(.serialized) struct LevelServerTests {
    func take(_ server: ServerProcess, _ path: String, gain: Float) throws -> [Float] {
        server.send("/gain", [.float(gain)])
        _ = server.request("/record/start", [.string(path)], reply: "/record/started")
        server.send("/walk", [.int(0)])
        server.send("/latent", [Float](repeating: 0, count: 8).map { .float($0) })
        usleep(3_000_000)
        server.send("/latent", [Float](repeating: 1, count: 8).map { .float($0) })
        usleep(2_000_000)
        _ = server.request("/record/stop", reply: "/record/stopped")
        let sound = try SoundFile(contentsOf: path)
        return stride(from: 0, to: sound.frames, by: 1).map { sound.samples[$0 * sound.channels] }
    }

    @Test func theFirstExampleRecordsWithNothingAtFullScale() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // On JACK when it runs (as a user would hear it), else the clock-paced null output.
        let server = try ServerProcess(JACK.isRunning ? ["--jack-name", "autocoder-level-test"] : ["--null-output"])
        for gain: Float in [1, 4] {
            let samples = try take(server, directory + "/take-\(gain).wav", gain: gain)
            let peak = samples.map(abs).max() ?? 0
            let level = decibels(rms(Array(samples.dropFirst(22050))))
            let status = server.status()
            print(String(format: "first example at gain %.0f: %.1f dBFS RMS, peak %.3f; /status limiter %.1f dB, %d samples reduced, make-up %.1f dB",
                         gain, level, peak, status["limiter_db"]?.float ?? -1, status["limited_samples"]?.int ?? -1, status["makeup_db"]?.float ?? 0))
            #expect(samples.count > 4 * 44100)
            #expect(peak < 0.8913 + 1e-6, "gain \(gain): peak \(peak)")
            #expect(flatTopSamples(samples) == 0, "gain \(gain): flat tops")
            #expect(level > -45 && level < (gain == 1 ? -10 : -2), "gain \(gain): \(level) dBFS RMS")
            #expect(status["makeup_db"]?.float.map { abs($0 - -7.2) < 0.1 } == true, "\(status)")
            if gain == 4 {
                #expect((status["limited_samples"]?.int ?? 0) > 0, "the limiter worked at gain 4: \(status)")
            }
        }
        server.send("/quit")
        #expect(server.waitForExit() == 0)
        let log = server.standardOutput
        #expect(log.contains("level:  make-up -7.2 dB"), "\(log)")
        #expect(log.contains("limiter at -1 dBFS, 2.0 ms look-ahead"), "\(log)")
    }

    @Test func aLoadSaysItsCalibration() throws {
        let server = try ServerProcess()
        let anchor = Binaries.root + "/Tests/Fixtures/models/fft-tf28-full-shallow"
        #expect(server.request("/load", [.string(anchor)], reply: "/loaded")?.arguments == [.string(anchor)])
        let makeUp = server.status()["makeup_db"]?.float ?? 0
        #expect(abs(makeUp - -24.6) < 0.2, "make-up \(makeUp)")
        server.send("/quit")
        #expect(server.waitForExit() == 0)
        let log = server.standardOutput + server.log
        #expect(log.contains("make-up -24.6 dB"), "\(log)")
    }
}
