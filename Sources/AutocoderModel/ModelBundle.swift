// A model bundle: the files that share an anchor (`song.wav.mm`, `.dec`,
// `.enc`, `.fft.dec`), loaded together and checked against each other.
// A bundle plays its `.dec`, or its `.fft.dec` when it has no `.dec` (the
// author's published models and his training notebook's are `.fft.dec` +
// `.mm` only) or when only that is asked for.
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
    /// What plays: the `.dec`, else the `.fft.dec` by the path its last operator allows.
    public let synthesis: SynthesisSource?
    /// The TensorFlow Lite files as read, for inspection.
    public let models: [Part: TFLiteModel]

    /// The decoder `decode` and /decoded answer with: the one that plays, with
    /// the model's own output (4096 values for the notebook's `.fft.dec`).
    public var outputDecoder: Decoder? { decoder ?? fftDecoder }

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
                fftDecoder = try Decoder(plan: plan, metadata: metadata, path: path, linearSpectrum: true)
            }
        }
        self.decoder = decoder
        self.encoder = encoder
        self.fftDecoder = fftDecoder
        synthesis = (decoder ?? fftDecoder).map(SynthesisSource.init)
        self.models = models
    }

    /// The parts to load for `anchor`: its decoder — the `.dec`, or the
    /// `.fft.dec` when `fft` is asked for or the bundle has no `.dec` — and its
    /// encoder when `encoder` is asked for and the bundle has one (`.required`:
    /// whether or not it has one, so that loading says what is missing).
    public static func parts(of anchor: String, fft: Bool = false, encoder: EncoderChoice = .none) -> Set<Part> {
        let anchor = Self.anchor(from: anchor)
        let hasDecoder = FileEntry.exists(anchor + Part.decoder.rawValue)
        let decoder: Part = fft || (!hasDecoder && FileEntry.exists(anchor + Part.fftDecoder.rawValue)) ? .fftDecoder : .decoder
        switch encoder {
        case .none: return [decoder]
        case .required: return [decoder, .encoder]
        case .whenPresent: return FileEntry.exists(anchor + Part.encoder.rawValue) ? [decoder, .encoder] : [decoder]
        }
    }

    public enum EncoderChoice: Sendable {
        case none, whenPresent, required
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
    /// when no decoder or encoder is loaded. A shallow decoder has two dense
    /// layers (one hidden; a `.fft.dec`'s matrix does not count), a shallow
    /// encoder three (one hidden and the z_mean and z_log_var heads); more
    /// hidden layers make it deep.
    public var architectureFromLayers: (deep: Bool, part: Part)? {
        if let decoder { return (decoder.plan.denseLayerCount > 2, .decoder) }
        if let encoder { return (encoder.plan.denseLayerCount > 3, .encoder) }
        if let fftDecoder { return (fftDecoder.plan.denseLayerCount > 2, .fftDecoder) }
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
