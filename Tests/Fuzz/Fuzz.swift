// libFuzzer entry point for every reader of outside input. The target is
// chosen with AUTOCODER_FUZZ_TARGET: tflite, mm, npy, wav or osc.
//
// scripts/fuzz builds this with -sanitize=fuzzer,address -DFUZZING and runs
// each target for a bounded time from the seeds in Tests/Fuzz/corpus. Built
// without FUZZING it replays the files named on its command line.

import AutocoderAudio
import AutocoderDSP
import AutocoderModel
import AutocoderOSC
import AutocoderServer
import Foundation

let target = ProcessInfo.processInfo.environment["AUTOCODER_FUZZ_TARGET"] ?? ""
let scratch = NSTemporaryDirectory() + "autocoder-fuzz-\(getpid())"

/// A server with the null output, confined to a scratch folder, that OSC input
/// is dispatched to (replies go to a port nobody listens on). The folder holds
/// a model whose weights are NaN (the seeds load it) and a copy of the model
/// with a `.fft.dec` beside its `.dec` (its mel decoder dotted with the
/// inversion matrix at 1024, small enough to load often), for /open/fft.
let server: AutocoderServer = {
    try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    let model = ProcessInfo.processInfo.environment["AUTOCODER_FUZZ_MODEL"] ?? "models/drone.wav"
    let nan = DenseLayer(weights: [Float](repeating: .nan, count: 8 * 512), bias: [Float](repeating: 0, count: 512), inputs: 8, outputs: 512)
    _ = FileManager.default.createFile(atPath: scratch + "/nan-weights.wav.dec", contents: Data(TFLiteWriter.decoder([nan])))
    for suffix in [".mm", ".enc"] {
        try? FileManager.default.copyItem(atPath: model + suffix, toPath: scratch + "/nan-weights.wav" + suffix)
        try? FileManager.default.copyItem(atPath: model + suffix, toPath: scratch + "/model.wav" + suffix)
    }
    try? FileManager.default.copyItem(atPath: model + ".dec", toPath: scratch + "/model.wav.dec")
    let bank = MelFilterbank(filterCount: 512, fftSize: 1024)
    let matrix = (0..<512).flatMap { band in (0..<512).map { bank.inversionWeight(filter: band, bin: $0) } }
    let layers = DenseLayer.layers(of: try! TFLiteModel(contentsOf: model + ".dec"))
    _ = FileManager.default.createFile(atPath: scratch + "/model.wav.fft.dec", contents: Data(TFLiteWriter.linearSpectrumDecoder(layers, matrix: matrix)))
    var configuration = ServerConfiguration(model: ProcessInfo.processInfo.environment["AUTOCODER_FUZZ_MODEL"] ?? "models/drone.wav")
    configuration.listenPort = 0
    configuration.output.nullOutput = true
    configuration.root = scratch
    configuration.quitAllowed = false
    // A /train of one of the folder's files runs this instead of `autocoder` (the fuzzer is no trainer): it fails at once.
    configuration.trainerExecutable = "/bin/false"
    return try! AutocoderServer(configuration: configuration)
}()
let sender = try! SocketAddress(host: "127.0.0.1", port: 9)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    switch target {
    case "tflite":
        if let model = try? TFLiteModel(bytes: bytes, path: "fuzz.dec"), let plan = try? InferencePlan(model: model, path: "fuzz.dec"),
           plan.scratchCount < 1 << 22 {
            _ = plan.run(batch: 1, inputs: [Float](repeating: 0.5, count: plan.inputCount))
        }
    case "mm":
        _ = try? ModelMetadata(text: String(decoding: bytes, as: UTF8.self), path: "fuzz.mm")
    case "npy":
        _ = try? NumPyArray(bytes: bytes, path: "fuzz.npy")
    case "wav":
        let path = NSTemporaryDirectory() + "autocoder-fuzz-\(getpid()).wav"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        _ = try? SoundFile(contentsOf: path)
    case "osc":
        _ = try? OSCCodec.decode(bytes)
        server.receive(datagram: bytes, from: sender)
        server.engine.collectRetired()
    default:
        fatalError("set AUTOCODER_FUZZ_TARGET to tflite, mm, npy, wav or osc")
    }
    return 0
}

#if FUZZING
// SwiftPM links executables with main renamed to autocoder_fuzz_main; hand that
// entry point to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("autocoder_fuzz_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, fuzzOne)
}
#else
/// Replays inputs (for example a crash libFuzzer saved) without libFuzzer.
@main enum Replay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            data.withUnsafeBytes { raw in
                _ = fuzzOne(raw.bindMemory(to: UInt8.self).baseAddress ?? UnsafePointer(bitPattern: 1)!, raw.count)
            }
            print("replayed \(path)")
        }
    }
}
#endif
