// autocoder-bench: prints performance figures next to their targets.
//
//   swift run -c release autocoder-bench
//
// Figures are measured on one thread; nothing here is a pass/fail test.

import AutocoderAudio
import AutocoderDSP
import AutocoderEngine
import AutocoderModel
import AutocoderOSC
import AutocoderServer
import Foundation
import AutocoderTraining
import Histogram

@main
struct Bench {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func main() throws {
        print("autocoder-bench — \(machineDescription())")
        print("")
        print(row("figure", "measured", "target"))
        print(String(repeating: "-", count: 108))
        // `autocoder-bench voices`: only the figures of many voices.
        if CommandLine.arguments.dropFirst().contains("voices") { return try voiceScaling(model: root + "/models/drone.wav") }
        // `autocoder-bench filter`: only the figures of filter voices.
        if CommandLine.arguments.dropFirst().contains("filter") { return try filterVoices(model: root + "/models/drone.wav") }
        // `autocoder-bench phase`: only the phase modes' figures.
        if CommandLine.arguments.dropFirst().contains("phase") { return try phaseReconstruction() }
        // `autocoder-bench train [THREADS] [no-realtime]`: training in the server while it plays, against the command line.
        if let train = CommandLine.arguments.firstIndex(of: "train") {
            let rest = CommandLine.arguments.dropFirst(train + 1)
            return try liveTraining(threads: rest.compactMap { Int($0) }.first, realtime: !rest.contains("no-realtime"))
        }
        // `autocoder-bench schedule`: only the figures of scheduled commands.
        if CommandLine.arguments.dropFirst().contains("schedule") { return try scheduledCommands(model: root + "/models/drone.wav") }
        for (label, kind, anchor, target) in [
            ("decode, shallow 8-1000-512", "shallow", "Tests/Fixtures/models/new-full-shallow", "≤ 50 µs"),
            ("decode, deep 8-16-…-1000-512", "deep", "Tests/Fixtures/models/new-full-deep", "—"),
        ] {
            let decoder = try ModelBundle(anchor: root + "/" + anchor, parts: [.decoder]).decoder!
            let timing = decodeTiming(decoder)
            print(row(label + ", µs/call", String(format: "%.1f (p50 %.1f, p99 %.1f)", timing.mean, timing.p50, timing.p99), target))
            batchedDecodeSpeeds(decoder, label: kind)
            let batch = batchThroughput(decoder, batch: 256)
            print(row(label + ", batches of 256 (BLAS)", String(format: "%.0f frames/s", batch), "—"))
        }
        try fftDecoderSpeeds()
        for fftSize in [4096, 16384] {
            let micros = resamplerTiming(.mel(bands: 512, fftSize: fftSize, sampleRate: 44100))
            print(row("mel -> spectrum (power by frequency), N = \(fftSize), µs/call", String(format: "%.2f", micros), "O(N + bands)"))
        }
        try levelFigures()
        let model = root + "/models/drone.wav"
        for fft in [1024, 2048, 4096, 8192, 16384] {
            let shape = try SynthesisShape.validated(fftSize: fft, hop: fft / 8).get()
            let speed = try offlineRenderSpeed(model: model, shape: shape)
            print(row("offline render \(fft)/\(fft / 8), shallow model", String(format: "%.0f× real time", speed), fft == 4096 ? "≥ 100×" : "—"))
        }
        try pythonLoopComparison(model: model)
        try voiceScaling(model: model)
        try filterVoices(model: model)
        try phaseReconstruction()
        try scheduledCommands(model: model)
        for block in [64, 128, 256, 512, 1024] {
            let load = try callbackLoad(model: model, block: block)
            print(row("render callback load, block \(block)", String(format: "%.2f%% mean, p99 %.1f%%, max %.1f%%", load.mean, load.p99, load.max), "< 100%"))
        }
        try generativeSpeeds(model: model)
        try trainingComparison()
        try distancesSpeed()
        if let startup = try startupTime(model: model) {
            print(row("start-up: process start → first /sanity reply", String(format: "%.0f ms median of 5 (null output)", startup), "a fraction of a second"))
        }
        let latency = try controlLatency(model: model, block: 256)
        let budget = (256.0 + 512.0 + 88) / 44100 * 1000
        print(row("control latency, packet → first sample out, block 256",
                  String(format: "p50 %.1f ms, p99 %.1f ms, max %.1f ms", latency.p50, latency.p99, latency.max),
                  String(format: "≤ %.1f ms", budget)))
        let duringLoad = try controlLatencyDuringLoad(model: model)
        print(row("control latency, /status during a 3-min input load",
                  String(format: "p50 %.1f, p99 %.1f, max %.1f ms", duringLoad.p50, duringLoad.p99, duringLoad.max),
                  String(format: "a few ms (%d round trips, %.1f s load)", duringLoad.count, duringLoad.loadSeconds)))
    }

    /// The training notebook's `.fft.dec` (TensorFlow 2.8's file of the
    /// full-size shallow model): its whole output per call (what decode and
    /// /decoded give, and what a matrix that is no filterbank plays every hop)
    /// and its mel part (what the standard matrix plays); its 4096 bins mapped
    /// onto the running FFT; offline renders on both paths.
    static func fftDecoderSpeeds() throws {
        let bundle = try ModelBundle(anchor: root + "/Tests/Fixtures/models/fft-tf28-full-shallow", parts: [.fftDecoder])
        for (label, decoder) in [("4096 bins (whole output)", bundle.fftDecoder!), ("mel part (standard M)", bundle.synthesis!.decoder)] {
            let timing = decodeTiming(decoder)
            print(row("decode, .fft.dec " + label + ", µs/call", String(format: "%.1f (p50 %.1f, p99 %.1f)", timing.mean, timing.p50, timing.p99), "—"))
        }
        for fftSize in [4096, 16384] {
            let micros = resamplerTiming(.linear(bins: 4096, spacing: 22050.0 / 4096, fftSize: fftSize, sampleRate: 44100))
            print(row("4096 linear bins -> spectrum, N = \(fftSize), µs/call", String(format: "%.2f", micros), "O(N + bins)"))
        }
        // The same model as linear bins mapped by frequency (as a matrix that is no filterbank plays).
        let standard = try LoadedModel(bundle: bundle)
        let mapped = LoadedModel(decoder: Decoder(sharing: bundle.fftDecoder!), maxIn: bundle.metadata.maxIn, name: "mapped")
        for (label, voice) in [("standard M", standard), ("mapped bins", mapped)] {
            let speed = offlineRenderSpeed(voice: voice, shape: .standard)
            print(row("offline render 4096/512, .fft.dec " + label, String(format: "%.0f× real time", speed), "—"))
        }
    }

    /// `autocoder distances` on 5000 random encodings: a typical N and the whole
    /// row (wall time: it works on every core).
    static func distancesSpeed() throws {
        let directory = NSTemporaryDirectory() + "autocoder-bench-distances-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var random = SplitMix64(seed: 5)
        let frames = 5000
        let values = (0..<frames * 8).map { _ in Double(random.next() >> 11) / Double(1 << 53) }
        try NumPyArray.write(float64: values, shape: [frames, 8], to: directory + "/set.wav.enc.npy")
        var figures: [String] = []
        for n in [20, frames - 1] {
            let start = Date()
            _ = try Distances.order(anchor: directory + "/set.wav", neighbours: n)
            figures.append(String(format: "%.2f s", Date().timeIntervalSince(start)))
        }
        print(row("distances, 5000 frames x 8, N = 20 / 4999 (all cores)", figures.joined(separator: " / "), "memory ∝ frames × N"))
    }

    /// Granular and autocode, offline (× real time, one thread) and as live
    /// voices in the render callback, on a minute of made-up material.
    static func generativeSpeeds(model: String) throws {
        var random = SplitMix64(seed: 3)
        let minute = 60 * 44100
        var low: Float = 0
        let material = (0..<minute).map { i -> Float in
            low = 0.98 * low + 0.02 * (Float(random.next() >> 40) / Float(1 << 24) - 0.5)
            return 0.3 * sinf(Float(i) * 2 * .pi * 220 / 44100) * Float(1 + (i / 22050) % 3) / 3 + 2 * low
        }
        let frames = MelAnalysis.frameCount(sampleCount: minute), neighbours = 50
        let table = try DistanceTable(order: (0..<frames * neighbours).map { ($0 * 31 + 7) % frames }, neighbours: neighbours)

        for (grain, hop) in [(4096, 1024), (8192, 256)] {
            let voice = GranularVoice(source: material, sampleRate: 44100, table: table)
            voice.set(.pool, 20)
            let start = threadCPUSeconds()
            let output = GranularRender.render(voice, grains: minute / hop, grainLength: grain, hop: hop)
            let speed = Double(output.count) / 44100 / (threadCPUSeconds() - start)
            print(row("granular offline, grain \(grain), hop \(hop)", String(format: "%.0f× real time", speed), "—"))
        }

        let bundle = try ModelBundle(anchor: model, parts: [.decoder, .encoder])
        for shape in [SynthesisShape.standard, try SynthesisShape.validated(fftSize: 2048, hop: 256).get()] {
            let start = threadCPUSeconds()
            _ = try AutocodeRender.render(Array(material.prefix(minute / 2)), encoder: bundle.encoder!, decoder: bundle.decoder!,
                                          shape: shape, sampleRate: 44100)
            let speed = 30 / (threadCPUSeconds() - start)
            print(row("autocode offline \(shape.fftSize)/\(shape.hop) (two passes), shallow", String(format: "%.0f× real time", speed), "—"))
        }

        let engine = try engine(model: model)
        let granular = GranularVoice(source: material, sampleRate: 44100, table: table)
        granular.play(true)
        let autocode = try AutocodeVoice(encoder: bundle.encoder!, decoder: bundle.decoder!, shape: .standard, sampleRate: 44100, loop: material)
        autocode.play(true)
        try engine.addGranularVoice(id: 2, source: granular)
        try engine.addAutocodeVoice(id: 3, voice: autocode)
        let load = callbackLoad(engine, block: 256)
        print(row("callback load, block 256, + granular + autocode", String(format: "%.2f%% mean, p99 %.1f%%, max %.1f%%", load.mean, load.p99, load.max), "< 100%"))
    }

    /// Seconds per epoch, native against TensorFlow/Keras on the CPU, same data
    /// (the bundled model's one-minute training sound), architecture and batch.
    static func trainingComparison() throws {
        let sound = root + "/models/drone.wav"
        guard FileManager.default.fileExists(atPath: sound) else {
            print(row("training, seconds per epoch", "skipped: models/drone.wav missing", "python3 models/make_source.py models/drone.wav"))
            return
        }
        let scratch = NSTemporaryDirectory() + "autocoder-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let anchor = scratch + "/drone.wav"
        try FileManager.default.copyItem(atPath: sound, toPath: anchor)
        let set = try TrainingSetAnalysis.analyze(file: anchor)
        for deep in [false, true] {
            var options = TrainingOptions()
            options.shape = VAEShape(deep: deep)
            options.epochs = 11
            options.patience = 100
            // Median epoch after the first, as the Keras script measures it.
            var epochs: [Double] = []
            _ = try Trainer(anchor: anchor, options: options).train(report: { epochs.append($0.seconds) })
            let native = epochs.dropFirst().sorted()[epochs.count / 2 - 1]
            let name = "training \(deep ? "deep" : "shallow"), \(set.rows) frames, batch 256, s/epoch"
            let keras = kerasSecondsPerEpoch(data: anchor + ".npy", deep: deep)
            let measured = String(format: "%.3f native", native) + (keras.map { String(format: " vs %.3f Keras (%.1f×)", $0, $0 / native) } ?? "")
            print(row(name, measured, keras == nil ? "Keras not installed (scripts/make-fixtures models)" : "faster than Keras"))
        }
    }

    /// TensorFlow/Keras's seconds per epoch, when the fixture environment has TensorFlow.
    static func kerasSecondsPerEpoch(data: String, deep: Bool) -> Double? {
        let python = root + "/.venv-tf221/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [root + "/Tests/Fixtures/keras_epoch_time.py", data, "256", "10"] + (deep ? ["deep"] : [])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        guard (try? process.run()) != nil else { return nil }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Double(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func engine(model: String, shape: SynthesisShape = .standard) throws -> SynthesisEngine {
        engine(voice: try LoadedModel(bundle: try ModelBundle(anchor: model, parts: [.decoder])), shape: shape)
    }

    static func engine(voice: LoadedModel, shape: SynthesisShape = .standard) -> SynthesisEngine {
        SynthesisEngine(model: voice, shape: shape, sampleRate: 44100,
                        channels: 2, walking: true, tapSeconds: 1)
    }

    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// Audio seconds rendered per CPU second, one thread.
    static func offlineRenderSpeed(model: String, shape: SynthesisShape) throws -> Double {
        offlineRenderSpeed(voice: try LoadedModel(bundle: try ModelBundle(anchor: model, parts: [.decoder])), shape: shape)
    }

    static func offlineRenderSpeed(voice: LoadedModel, shape: SynthesisShape) -> Double {
        let engine = engine(voice: voice, shape: shape)
        let block = 16384   // as OfflineRender: 32 hops decoded per call
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: block * engine.channels)
        defer { buffer.deallocate() }
        let seconds = 60.0
        let start = threadCPUSeconds()
        for _ in 0..<Int(seconds * 44100) / block {
            engine.render(buffer, frames: block)
            engine.tap.discardAll()
        }
        return seconds / (threadCPUSeconds() - start)
    }

    /// Time spent in each render call as a share of the block's duration.
    static func callbackLoad(model: String, block: Int) throws -> (mean: Double, p99: Double, max: Double) {
        callbackLoad(try engine(model: model), block: block)
    }

    /// `between(k)` runs before call `k`, untimed (to send or schedule commands).
    static func callbackLoad(_ engine: SynthesisEngine, block: Int, seconds: Double = 30,
                             between: (Int) -> Void = { _ in }) -> (mean: Double, p99: Double, max: Double) {
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: block * engine.channels)
        defer { buffer.deallocate() }
        var histogram = Histogram<UInt64>(highestTrackableValue: 10_000_000)
        let blockNanoseconds = Double(block) / 44100 * 1e9
        var total = 0.0
        let calls = Int(seconds * 44100) / block
        for call in 0..<calls {
            between(call)
            let start = DispatchTime.now().uptimeNanoseconds
            engine.render(buffer, frames: block)
            let elapsed = DispatchTime.now().uptimeNanoseconds - start
            engine.tap.discardAll()
            guard call > 100 else { continue }
            histogram.record(UInt64(Double(elapsed) / blockNanoseconds * 1e5))
            total += Double(elapsed) / blockNanoseconds
        }
        return (total / Double(calls - 101) * 100, Double(histogram.valueAtPercentile(99)) / 1000, Double(histogram.max) / 1000)
    }

    /// Milliseconds from starting `autocoder serve` to its first /sanity reply (median of 5).
    static func startupTime(model: String) throws -> Double? {
        let binary = root + "/.build/release/autocoder"
        guard FileManager.default.isExecutableFile(atPath: binary) else { return nil }
        var times: [Double] = []
        for _ in 0..<5 {
            let client = try UDPSocket(binding: SocketAddress(host: "127.0.0.1", port: 0))
            let listen = try UDPSocket(binding: SocketAddress(host: "127.0.0.1", port: 0)).port
            let address = try SocketAddress(host: "127.0.0.1", port: listen)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["serve", String(client.port), String(listen), "--model", model, "--null-output"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            let start = DispatchTime.now().uptimeNanoseconds
            try process.run()
            var answered = false
            while !answered, DispatchTime.now().uptimeNanoseconds - start < 10_000_000_000 {
                client.send(OSCCodec.encode(OSCMessage("/sanity/check")), to: address)
                if let (bytes, _) = client.receive(timeout: 0.002), (try? OSCCodec.decode(bytes))?.first?.address == "/sanity" { answered = true }
            }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            process.terminate()
            process.waitUntilExit()
        }
        return times.sorted()[2]
    }

    /// From sending a /latent/1 packet to the server until the first sample of
    /// the hop that carries the new value leaves the engine: until the render
    /// thread synthesises that hop, plus the output limiter's look-ahead, in
    /// milliseconds.
    static func controlLatency(model: String, block: Int) throws -> (p50: Double, p99: Double, max: Double) {
        let running = try InProcessServer(model: model) {
            $0.output.blockSize = block
            $0.walking = false
        }
        defer { running.stop() }
        let server = running.server
        let limiter = UInt64(Double(server.engine.outputLatency) / server.engine.sampleRate * 1e9)
        var histogram = Histogram<UInt64>(highestTrackableValue: 10_000_000)
        Thread.sleep(forTimeInterval: 0.5)
        for i in 0..<400 {
            let sent = DispatchTime.now().uptimeNanoseconds
            running.send(OSCMessage("/latent/1", [.float(Float(i % 2))]))
            while server.engine.status.latentReflectedAt.load(ordering: .relaxed) < sent,
                  DispatchTime.now().uptimeNanoseconds - sent < 1_000_000_000 {
                usleep(50)
            }
            let reflected = server.engine.status.latentReflectedAt.load(ordering: .relaxed)
            histogram.record((max(reflected, sent) - sent + limiter) / 1000)
            usleep(UInt32.random(in: 1000...20000))   // arrive at every phase of the block and hop
        }
        return (Double(histogram.valueAtPercentile(50)) / 1000, Double(histogram.valueAtPercentile(99)) / 1000, Double(histogram.max) / 1000)
    }

    static func row(_ a: String, _ b: String, _ c: String) -> String {
        a.padding(toLength: 54, withPad: " ", startingAt: 0) + " " + b.padding(toLength: 40, withPad: " ", startingAt: 0) + " " + c
    }

    /// Times single decode calls (the real-time path) one by one.
    static func decodeTiming(_ decoder: Decoder) -> (mean: Double, p50: Double, p99: Double) {
        let latent = UnsafeMutablePointer<Float>.allocate(capacity: decoder.latentCount)
        let output = UnsafeMutablePointer<Float>.allocate(capacity: decoder.outputCount)
        defer { latent.deallocate(); output.deallocate() }
        var state: UInt32 = 1
        func nextLatent() {
            for i in 0..<decoder.latentCount {
                state = state &* 1_664_525 &+ 1_013_904_223
                latent[i] = Float(state >> 8) / Float(1 << 24)
            }
        }
        for _ in 0..<2000 { nextLatent(); decoder.decode(latent, into: output) }
        let calls = 20000
        var samples = [Double](repeating: 0, count: calls)
        var checksum: Float = 0
        for n in 0..<calls {
            nextLatent()
            let start = DispatchTime.now().uptimeNanoseconds
            decoder.decode(latent, into: output)
            samples[n] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1000
            checksum += output[n % decoder.outputCount]
        }
        precondition(checksum.isFinite)
        samples.sort()
        return (samples.reduce(0, +) / Double(calls), samples[calls / 2], samples[calls * 99 / 100])
    }

    /// The real-time batched decode (`decode(batch:latents:into:scratch:)`),
    /// µs per vector at a few batch sizes, for every batch kernel this CPU runs.
    static func batchedDecodeSpeeds(_ decoder: Decoder, label: String) {
        let batches = [1, 8, 32, 64, 256]
        for kernel in [BatchKernel.avx2FMA, .portable] where kernel.isAvailable {
            let batched = Decoder(sharing: decoder, plan: decoder.plan.running(batchesWith: kernel), layout: decoder.layout)
            let figures = batches.map { String(format: "%.1f", batchedDecodeMicros(batched, batch: $0)) }
            print(row("decode batched, \(label), \(kernel), B = " + batches.map(String.init).joined(separator: "/"),
                      figures.joined(separator: "/") + " µs/vector", "< µs/call"))
        }
    }

    /// Median over 5 runs of the mean µs per vector of batched decodes of `batch` vectors.
    static func batchedDecodeMicros(_ decoder: Decoder, batch: Int) -> Double {
        let latents = UnsafeMutablePointer<Float>.allocate(capacity: batch * decoder.latentCount)
        let outputs = UnsafeMutablePointer<Float>.allocate(capacity: batch * decoder.outputCount)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: decoder.batchScratchCount(batch: batch))
        defer { latents.deallocate(); outputs.deallocate(); scratch.deallocate() }
        var state: UInt32 = 1
        for i in 0..<batch * decoder.latentCount {
            state = state &* 1_664_525 &+ 1_013_904_223
            latents[i] = Float(state >> 8) / Float(1 << 24)
        }
        let rounds = max(4, 2048 / batch)
        for _ in 0..<rounds { decoder.decode(batch: batch, latents: latents, into: outputs, scratch: scratch) }
        var runs: [Double] = []
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<rounds { decoder.decode(batch: batch, latents: latents, into: outputs, scratch: scratch) }
            runs.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000 / Double(rounds * batch))
        }
        precondition(outputs[batch * decoder.outputCount - 1].isFinite)
        return runs.sorted()[2]
    }

    static func batchThroughput(_ decoder: Decoder, batch: Int) -> Double {
        let latents = (0..<batch * decoder.latentCount).map { Float(($0 * 7919) % 1000) / 1000 }
        _ = decoder.decode(batch: latents)
        let rounds = 20
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<rounds { _ = decoder.decode(batch: latents) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(rounds * batch) / seconds
    }

    static func resamplerTiming(_ resampler: SpectrumResampler) -> Double {
        let frame = (0..<resampler.valueCount).map { Float($0 % 17) / 17 }
        var spectrum = [Float](repeating: 0, count: resampler.binCount)
        let rounds = 5000
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<rounds { resampler.magnitudes(of: frame, into: &spectrum) }
        let micros = Double(DispatchTime.now().uptimeNanoseconds - start) / 1000 / Double(rounds)
        precondition(spectrum[resampler.binCount / 2].isFinite)
        return micros
    }

    /// The level calibration at load (median of 5, per model) and the output
    /// limiter's cost per block of 256, quiet (passing) and driven 12 dB over.
    static func levelFigures() throws {
        for (label, anchor, parts) in [("shallow .dec", "/models/drone.wav", Set([ModelBundle.Part.decoder])),
                                       ("deep .dec", "/Tests/Fixtures/models/new-full-deep", [.decoder]),
                                       (".fft.dec, standard M", "/Tests/Fixtures/models/fft-tf28-full-shallow", [.fftDecoder]),
                                       (".fft.dec, mapped bins", "/Tests/Fixtures/models/fft-tf28-generic-shallow", [.fftDecoder])] {
            let bundle = try ModelBundle(anchor: root + anchor, parts: parts)
            let decoder = bundle.synthesis!.decoder
            let times = (0..<5).map { _ in LevelCalibration(decoder: decoder, maxIn: bundle.metadata.maxIn).seconds * 1000 }.sorted()
            print(row("level calibration at load, \(label), ms", String(format: "%.1f (%d points)", times[2], LevelCalibration.latentPoints(dimensions: decoder.latentCount).count), "tens of ms"))
        }
        for (label, level) in [("below the ceiling", Float(0.05)), ("12 dB over", Float(0.5))] {
            var random = SplitMix64(seed: 9)
            let block = 256
            let samples = (0..<44100).map { _ in (Float(random.next() >> 40) / Float(1 << 24) - 0.5) * 3.4 * level }
            var scratch = [Float](repeating: 0, count: block)
            let limiter = PeakLimiter(sampleRate: 44100)
            let rounds = 200
            let start = DispatchTime.now().uptimeNanoseconds
            scratch.withUnsafeMutableBufferPointer { buffer in
                for _ in 0..<rounds {
                    for offset in stride(from: 0, to: samples.count - block, by: block) {
                        for i in 0..<block { buffer[i] = samples[offset + i] }
                        limiter.process(buffer.baseAddress!, count: block)
                    }
                }
            }
            let blocks = Double(rounds * (samples.count / block))
            let micros = Double(DispatchTime.now().uptimeNanoseconds - start) / 1000 / blocks
            print(row("output limiter, block 256, \(label), µs/block", String(format: "%.2f (%.2f%% of the block's 5.8 ms)", micros, micros / 5805 * 100), "—"))
        }
    }

    static func machineDescription() -> String {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?
            .trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        return "\(model), \(ProcessInfo.processInfo.activeProcessorCount) cores, single-threaded figures"
    }
}
