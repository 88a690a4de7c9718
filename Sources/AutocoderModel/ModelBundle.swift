// A model bundle: the files that share an anchor (`song.wav.mm`, `.dec`,
// `.enc`, `.fft.dec`), loaded together and checked against each other.
//
// Loading reads files and allocates: call it off the audio thread, then hand
// the finished decoder over.

import Foundation

public struct ModelBundle: @unchecked Sendable {
    public enum Part: String, CaseIterable, Sendable {
        case decoder = ".dec"
        case encoder = ".enc"
        case fftDecoder = ".fft.dec"
    }

    public let anchor: String
    public let metadata: ModelMetadata
    public let decoder: Decoder?
    public let encoder: Encoder?
    public let fftDecoder: Decoder?
    /// The TensorFlow Lite files as read, for inspection.
    public let models: [Part: TFLiteModel]

    /// Loads `anchor.mm` and the requested parts. `anchor` may also be given with
    /// one of the bundle's own extensions (`song.wav.dec`), which is stripped.
    public init(anchor: String, parts: Set<Part>) throws {
        let anchor = Self.anchor(from: anchor)
        self.anchor = anchor
        metadata = try ModelMetadata(contentsOf: anchor + ".mm")
        var models: [Part: TFLiteModel] = [:]
        var decoder: Decoder?, encoder: Encoder?, fftDecoder: Decoder?
        for part in Part.allCases where parts.contains(part) {
            let path = anchor + part.rawValue
            let model = try TFLiteModel(contentsOf: path)
            let plan = try InferencePlan(model: model, path: path)
            models[part] = model
            switch part {
            case .decoder:
                decoder = try Decoder(plan: plan, metadata: metadata, path: path)
                guard decoder!.outputCount == metadata.inputDim else {
                    throw ModelFileError(path: path, problem: "the decoder makes \(decoder!.outputCount) values but the .mm file says input_dim \(metadata.inputDim)")
                }
            case .encoder:
                encoder = try Encoder(plan: plan, metadata: metadata, path: path)
            case .fftDecoder:
                fftDecoder = try Decoder(plan: plan, metadata: metadata, path: path)
            }
        }
        self.decoder = decoder
        self.encoder = encoder
        self.fftDecoder = fftDecoder
        self.models = models
    }

    /// The inference plan of a loaded part.
    public func plan(_ part: Part) -> InferencePlan? {
        switch part {
        case .decoder: decoder?.plan
        case .encoder: encoder?.plan
        case .fftDecoder: fftDecoder?.plan
        }
    }

    /// Whether the model is deep, as its layers say (the `.mm` flag may not
    /// agree: it is only what the writer claimed), and which file said so; nil
    /// when neither a decoder nor an encoder is loaded. A shallow decoder has
    /// two dense layers (one hidden), a shallow encoder three (one hidden and
    /// the z_mean and z_log_var heads); more hidden layers make it deep.
    public var architectureFromLayers: (deep: Bool, part: Part)? {
        if let decoder { return (decoder.plan.denseLayerCount > 2, .decoder) }
        if let encoder { return (encoder.plan.denseLayerCount > 3, .encoder) }
        return nil
    }

    /// The anchor a path names: itself, or the path less a bundle extension
    /// when the path is one of the bundle's files and the anchor's `.mm` exists.
    /// (A `.mm` that is a broken link or a link loop counts as there, so that
    /// loading it says what is wrong with it.)
    public static func anchor(from path: String) -> String {
        if FileEntry.exists(path + ".mm") { return path }
        for suffix in [".fft.dec", ".dec", ".enc", ".mm"] where path.hasSuffix(suffix) {
            let stem = String(path.dropLast(suffix.count))
            if FileEntry.exists(stem + ".mm") { return stem }
        }
        return path
    }
}
