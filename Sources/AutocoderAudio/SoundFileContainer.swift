// The kinds of sound file autocoder writes, chosen by the file name's
// extension: recordings (/record/start) and the offline commands' --out.
//
// .wav is written as RF64 that libsndfile downgrades to a plain RIFF/WAVE
// header while the file is under 4 GB (SFC_RF64_AUTO_DOWNGRADE), so a long take
// or render past 4 GB keeps its true length instead of a wrapped one. FLAC has
// no float samples: it is always 24-bit. Any thread but the audio thread.

internal import CSndFile
import Foundation

public enum SoundFileContainer: String, CaseIterable, Sendable {
    case wav, aiff, flac, w64, rf64, caf

    /// The extensions (lower case, without the dot) that choose this container.
    public var extensions: [String] {
        switch self {
        case .aiff: ["aif", "aiff"]
        default: [rawValue]
        }
    }

    /// The containers this libsndfile can write, in the order of `allCases`.
    public static let available: [SoundFileContainer] = allCases.filter { container in
        var info = SF_INFO()
        info.samplerate = 44100
        info.channels = 2
        info.format = container.libsndfileFormat(SoundFileWriter.SampleFormat.pcm24)
        return sf_format_check(&info) == SF_TRUE
    }

    /// "…, .flac or .caf": every extension that can be written.
    public static var extensionList: String {
        let names = available.flatMap(\.extensions).map { "." + $0 }
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    /// The container `path`'s extension names, or an error that lists the ones there are.
    public init(path: String) throws {
        let name = (path as NSString).lastPathComponent
        let suffix = (name as NSString).pathExtension.lowercased()
        guard !suffix.isEmpty else {
            throw SoundFileError(path: path, problem: "has no sound file extension: name it \(Self.extensionList)")
        }
        guard let container = Self.available.first(where: { $0.extensions.contains(suffix) }) else {
            throw SoundFileError(path: path, problem: "unknown sound file extension \".\(suffix)\": use \(Self.extensionList)")
        }
        self = container
    }

    /// The sample format actually written for `format`: FLAC has no float.
    public func sampleFormat(for format: SoundFileWriter.SampleFormat) -> SoundFileWriter.SampleFormat {
        self == .flac ? .pcm24 : format
    }

    /// libsndfile's SF_FORMAT_* for this container and `format`.
    func libsndfileFormat(_ format: SoundFileWriter.SampleFormat) -> Int32 {
        let major = switch self {
        case .wav, .rf64: SF_FORMAT_RF64
        case .aiff: SF_FORMAT_AIFF
        case .flac: SF_FORMAT_FLAC
        case .w64: SF_FORMAT_W64
        case .caf: SF_FORMAT_CAF
        }
        let subtype = switch sampleFormat(for: format) {
        case .float32: SF_FORMAT_FLOAT
        case .pcm24: SF_FORMAT_PCM_24
        }
        return Int32(major | subtype)
    }
}
