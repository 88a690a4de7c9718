import ArgumentParser
import AutocoderEngine
import AutocoderModel
import Foundation

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a model: architecture, dimensions, operators, scaling, files and the path synthesis takes."
    )

    @Argument(help: "The model's anchor, e.g. models/drone.wav (or one of its files).")
    var anchor: String

    func run() throws {
        let anchor = ModelBundle.anchor(from: self.anchor)
        let metadata = try ModelMetadata(contentsOf: anchor + ".mm")
        // Anything at the path counts, a broken link or a link loop too: loading it says what is wrong.
        let present = ModelBundle.Part.allCases.filter { FileEntry.exists(anchor + $0.rawValue) }
        let bundle = try ModelBundle(anchor: anchor, parts: Set(present))

        print("anchor        \(anchor)")
        print("files         " + ([".mm"] + present.map(\.rawValue)).map { ext in
            "\((anchor as NSString).lastPathComponent)\(ext) (\(Self.size(of: anchor + ext)))"
        }.joined(separator: ", "))
        let layers = bundle.architectureFromLayers
        let deep = layers?.deep ?? metadata.deep
        print("architecture  \(deep ? "deep" : "shallow"): input_dim \(metadata.inputDim), intermediate_dim \(metadata.intermediateDim), encoded_dim \(metadata.encodedDim)")
        if let layers, layers.deep != metadata.deep, let plan = bundle.plan(layers.part) {
            let name = (anchor as NSString).lastPathComponent
            print("  note        \(name).mm says \(metadata.deep ? "deep" : "shallow"), but \(name)\(layers.part.rawValue) has \(plan.denseLayerCount) dense layers (\(deep ? "deep" : "shallow")); the layers are what runs")
        }
        print("mel range     minin \(metadata.minIn), maxin \(metadata.maxIn)")
        print("latent scale  z = v * scale_mult + scale_subtract")
        for d in 0..<metadata.encodedDim {
            let unused = metadata.scaleMult[d] == 0 ? "   (unused by the model: encodes as 0)" : ""
            print(String(format: "  v%-2d         scale_mult %10.6f   scale_subtract %10.6f", d + 1, metadata.scaleMult[d], metadata.scaleSubtract[d]) + unused)
        }
        for part in present {
            guard let model = bundle.models[part], let plan = bundle.plan(part) else { continue }
            let title = part == .decoder ? "decoder" : part == .encoder ? "encoder" : "fft decoder"
            print("\(title)\(String(repeating: " ", count: 14 - title.count))\(plan.inputCount) -> \(plan.outputCounts.map(String.init).joined(separator: ", ")) values, \(plan.parameterCount) parameters")
            print("  format      TensorFlow Lite schema \(model.schemaVersion), " + (model.signatureKey.map { "signature '\($0)'" } ?? "no signature (outputs in Keras order)"))
            if let decoder = part == .decoder ? bundle.decoder : part == .fftDecoder ? bundle.fftDecoder : nil {
                let plays = bundle.synthesis?.decoder.path == decoder.path
                let source = SynthesisSource(decoder)
                print("  synthesis   \(source.summary)" + (plays ? "" : " (not played: the .dec is; load it with /open/fft or --fft-dec)"))
                print("  level       \(LevelCalibration(decoder: source.decoder, maxIn: metadata.maxIn).summary), at 4096/512")
            }
            if part == .encoder {
                let names = ["z_mean", "z_log_var", "z"]
                print("  outputs     " + plan.outputCounts.enumerated().map { "\($0 < names.count ? names[$0] : "output \($0)") (\($1))" }.joined(separator: ", "))
            }
            for (n, layer) in plan.layerSummaries.enumerated() {
                print("  op \(n)\(n < 10 ? " " : "")       \(layer)")
            }
        }
    }

    static func size(of path: String) -> String {
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return ByteCountFormatter.string(fromByteCount: Int64(bytes), countStyle: .file)
    }
}
