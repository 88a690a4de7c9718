// The looped sound files the autocode voice has read, each with the range its
// encodings cover through each encoder it was measured with, so that an input
// already analysed is neither read nor analysed again: a repeated
// /autocode/input, a new FFT size or a new decoder reuses both; a new encoder
// re-measures the range from the sound already in memory.
//
// A file is known by its path, size and modification time, so an edited file
// is read afresh. The range is kept per encoder, whatever the synthesis shape:
// the analysis window is the training one at every FFT size, only the spacing
// of the analysed frames follows the hop.
//
// At most `sampleBudget` samples are kept (the newest file always). Load
// worker only.

import AutocoderAudio
import AutocoderEngine
import AutocoderModel
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class AutocodeInputCache {
    typealias Range = (minimum: [Float], maximum: [Float])

    /// About six minutes of sound at 44.1 kHz (64 MB).
    static let sampleBudget = 1 << 24
    /// Ranges kept per sound (each holds on to its encoder).
    static let encodersPerInput = 4

    private struct Identity: Equatable {
        let path: String
        let size: Int
        let modified: timespec

        /// A file that cannot be examined gets an identity no file has (size -1).
        init(path: String) {
            var status = stat()
            let found = stat(path, &status) == 0
            self.path = path
            size = found ? Int(status.st_size) : -1
            modified = status.st_mtim
        }

        static func == (a: Identity, b: Identity) -> Bool {
            a.path == b.path && a.size == b.size && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
        }
    }

    private final class Entry {
        let identity: Identity
        let samples: [Float]
        var ranges: [(encoder: Encoder, range: Range)] = []

        init(identity: Identity, samples: [Float]) {
            self.identity = identity
            self.samples = samples
        }
    }

    /// Least recently used first.
    private var entries: [Entry] = []

    /// What `input` found or had to do.
    struct Input {
        let samples: [Float]
        let range: Range
        let wasRead: Bool
        let wasMeasured: Bool
    }

    /// The sound at `path` (mono, at `sampleRate`) and its range through
    /// `encoder`, from memory when known. Throws CancellationError when
    /// `isCancelled` turns true during the measurement.
    func input(_ path: String, encoder: Encoder, decoder: Decoder, shape: SynthesisShape, sampleRate: Double,
               isCancelled: @escaping () -> Bool) throws -> Input {
        let identity = Identity(path: path)
        var wasRead = false
        let entry: Entry
        if let index = entries.firstIndex(where: { $0.identity == identity }) {
            entry = entries.remove(at: index)
        } else {
            let samples = try AudioLoader.loadMono(path, sampleRate: Int(sampleRate))
            entries.removeAll { $0.identity.path == path }
            // Known by its identity from before the read: a file changed meanwhile is read again next time.
            entry = Entry(identity: identity, samples: samples)
            wasRead = true
        }
        entries.append(entry)
        evict()
        if let known = entry.ranges.first(where: { $0.encoder === encoder }) {
            return Input(samples: entry.samples, range: known.range, wasRead: wasRead, wasMeasured: false)
        }
        let range = try AutocodeRender.range(of: entry.samples, encoder: encoder, decoder: decoder, shape: shape,
                                             sampleRate: sampleRate, isCancelled: isCancelled)
        entry.ranges.append((encoder, range))
        if entry.ranges.count > Self.encodersPerInput { entry.ranges.removeFirst() }
        return Input(samples: entry.samples, range: range, wasRead: wasRead, wasMeasured: true)
    }

    private func evict() {
        var total = entries.reduce(0) { $0 + $1.samples.count }
        while entries.count > 1, total > Self.sampleBudget {
            total -= entries.removeFirst().samples.count
        }
    }
}
