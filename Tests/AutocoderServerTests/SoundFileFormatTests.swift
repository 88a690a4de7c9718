// Sound files are what their names say (issue 13, items 15 and 9): the
// extension chooses the container for recordings and for the offline
// commands' --out; an unknown extension is refused; a .wav past 4 GB becomes
// RF64 instead of wrapping its 32-bit sizes, and stays readable when cut off.

import AudioTestSupport
import AutocoderAudio
import AutocoderOSC
import Foundation
import Testing

@Suite(.serialized) struct SoundFileFormatTests {
    /// The first bytes of each container, and the start of libsndfile's name for it.
    static let signatures: [(ext: String, magic: [String], name: String)] = [
        ("wav", ["RIFF"], "WAV"), ("aif", ["FORM"], "AIFF"), ("aiff", ["FORM"], "AIFF"), ("flac", ["fLaC"], "FLAC"),
        ("w64", ["riff"], "W64"), ("rf64", ["RF64"], "RF64"), ("caf", ["caff"], "CAF"),
    ]

    static func magic(_ path: String) -> String {
        let handle = FileHandle(forReadingAtPath: path)
        defer { try? handle?.close() }
        return String(decoding: (try? handle?.read(upToCount: 4)) ?? Data(), as: UTF8.self)
    }

    @Test func eachExtensionWritesItsOwnContainer() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let frames = 22050
        let samples = (0..<frames * 2).map { i in 0.5 * sinf(Float(i / 2) * 0.01 * Float(1 + i % 2)) }
        for (ext, magic, name) in Self.signatures {
            for format in SoundFileWriter.SampleFormat.allCases {
                let path = directory + "/tone-\(format.rawValue).\(ext)"
                let writer = try SoundFileWriter(path: path, channels: 2, sampleRate: 44100, format: format)
                try writer.write(samples)
                try writer.close()
                let info = try SoundFileInfo(path: path)
                #expect(magic.contains(Self.magic(path)), "\(path) starts with \(Self.magic(path))")
                #expect(info.containerName.hasPrefix(name), "\(path): libsndfile reads \(info.containerName)")
                #expect(info.frames == frames && info.channels == 2 && info.sampleRate == 44100)
                let exact = ext != "flac" && format == .float32
                #expect(info.encodingName == (exact ? "32 bit float" : "Signed 24 bit PCM"), "\(path): \(info.encodingName)")
                let back = try SoundFile(contentsOf: path).samples
                let error = zip(back, samples).map { abs($0 - $1) }.max() ?? 1
                #expect(back.count == samples.count && error <= (exact ? 0 : 1.0 / 8_000_000), "\(path): error \(error)")
            }
        }
    }

    @Test func anUnknownExtensionIsRefusedWithTheList() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["take.mp3", "take.ogg", "take"] {
            #expect(throws: SoundFileError.self) { try SoundFileWriter(path: directory + "/" + name, channels: 1, sampleRate: 44100) }
        }
        let server = try ServerProcess(["--null-output", "--root", directory])
        let mp3 = server.expectError("/record/start", [.string("take.mp3")])
        #expect(mp3.contains("take.mp3: unknown sound file extension \".mp3\": use .wav, .aif, .aiff, .flac, .w64, .rf64 or .caf"), "\(mp3)")
        #expect(server.expectError("/record/start", [.string("take")]).contains("has no sound file extension"))
        let cli = try Binaries.runAutocoder(["render", Binaries.bundledModel, "--frames", "10", "--out", directory + "/render.ogg"])
        #expect(cli.status != 0 && cli.errors.contains("render.ogg: unknown sound file extension \".ogg\": use .wav"), "\(cli.errors)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty, "nothing was written")
    }

    @Test func recordingsAndRendersFollowTheExtension() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess(["--null-output", "--root", directory])
        for (ext, magic, name) in Self.signatures {
            let path = directory + "/take." + ext
            #expect(server.request("/record/start", [.string("take." + ext)], reply: "/record/started")?.arguments == [.string(path)])
            usleep(200_000)
            let stopped = server.request("/record/stop", reply: "/record/stopped")
            let info = try SoundFileInfo(path: path)
            #expect(magic.contains(Self.magic(path)) && info.containerName.hasPrefix(name), "\(path): \(Self.magic(path)), \(info.containerName)")
            #expect(stopped?.arguments.last?.int == info.frames && info.frames > 4410)
            #expect(rms(try SoundFile(contentsOf: path).samples) > 0.01, "\(path) holds the sound")

            let render = directory + "/render." + ext
            let run = try Binaries.runAutocoder(["render", Binaries.bundledModel, "--frames", "20", "--out", render])
            #expect(run.status == 0, "\(run.errors)")
            let rendered = try SoundFileInfo(path: render)
            #expect(magic.contains(Self.magic(render)) && rendered.containerName.hasPrefix(name) && rendered.frames == 20 * 512,
                    "\(render): \(Self.magic(render)), \(rendered.containerName), \(rendered.frames) frames")
        }
    }

    /// Free bytes on the filesystem holding `path`.
    static func freeBytes(_ path: String) -> Int {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return 0 }
        return Int(stats.f_bavail) * Int(stats.f_frsize)
    }

    @Test func aWavPastFourGigabytesKeepsItsLength() throws {
        // 4.5 GB of stereo float: past the 32-bit RIFF sizes. Written to RAM
        // (/dev/shm) when it has room, so it takes seconds, not minutes.
        let block = 1 << 20, blocks = 537   // 537 × 2^20 frames × 8 bytes = 4.50 GB
        let need = blocks * block * 8 + (256 << 20)
        guard let folder = ["/dev/shm", NSTemporaryDirectory()].first(where: { Self.freeBytes($0) > need }) else {
            print("skipped: no filesystem has \(need >> 20) MB free for a file past 4 GB")
            return
        }
        let path = folder + "/autocoder-rf64-\(UUID().uuidString).wav"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let started = Date()
        let writer = try SoundFileWriter(path: path, channels: 2, sampleRate: 44100)
        let zeros = [Float](repeating: 0, count: block * 2)
        let ramp = (0..<block * 2).map { Float($0 % 1000) / 1000 }
        var belowLimit: SoundFileInfo?, aboveLimit: SoundFileInfo?
        for n in 0..<blocks {
            try writer.write(n == blocks - 1 ? ramp : zeros)
            // What a crash would leave: the file as it is on disk between writes.
            if n + 1 == 500 { belowLimit = try SoundFileInfo(path: path) }   // 4.19 GB
            if n + 1 == 520 { aboveLimit = try SoundFileInfo(path: path) }   // 4.36 GB
        }
        try writer.close()
        let seconds = Date().timeIntervalSince(started)
        #expect(belowLimit?.frames == 500 * block && belowLimit?.containerName.hasPrefix("WAV") == true, "\(String(describing: belowLimit))")
        #expect(aboveLimit?.frames == 520 * block && aboveLimit?.containerName.hasPrefix("RF64") == true, "\(String(describing: aboveLimit))")

        let info = try SoundFileInfo(path: path)
        #expect(Self.magic(path) == "RF64" && info.containerName.hasPrefix("RF64"))
        #expect(info.frames == blocks * block, "\(info.frames) frames read back, \(blocks * block) written")
        let tail = try info.read(from: info.frames - 4, count: 4)
        #expect(tail == Array(ramp.suffix(8)), "the last samples: \(tail)")

        // Cut off in the middle of a frame, above and below 4 GB: the frames
        // that are whole still read.
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let dataStart = size - blocks * block * 8
        for cut in [4_400_000_003, 3_500_000_005] {
            #expect(truncate(path, off_t(cut)) == 0)
            let cutInfo = try SoundFileInfo(path: path)
            #expect(cutInfo.frames == (cut - dataStart) / 8, "cut at \(cut) bytes: \(cutInfo.frames) frames, \(cutInfo.containerName)")
        }
        print("RF64: \(blocks * block * 8 / 1_000_000) MB written in \(String(format: "%.1f", seconds)) s to \(folder); \(info.frames) frames read back")

        // A small .wav is plain RIFF/WAVE.
        let small = folder + "/autocoder-small-\(UUID().uuidString).wav"
        defer { try? FileManager.default.removeItem(atPath: small) }
        let little = try SoundFileWriter(path: small, channels: 2, sampleRate: 44100)
        try little.write(zeros)
        try little.close()
        let smallBytes = FileManager.default.contents(atPath: small) ?? Data()
        #expect(String(decoding: smallBytes.prefix(4), as: UTF8.self) == "RIFF" && String(decoding: smallBytes[8..<12], as: UTF8.self) == "WAVE")
        #expect(try SoundFileInfo(path: small).containerName.hasPrefix("WAV"))
    }
}
