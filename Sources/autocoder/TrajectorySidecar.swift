// What `encode-sound` tells `render --trajectory` about a trajectory beside it:
// `F.latents.npy.json` = {sound, fft, hop, sampleRate, anchor, analysis}. The rate says
// what the trajectory's times count; the sound is the source `--report`
// compares the rendering with. Written atomically; read on the main thread.

import AutocoderModel
import Foundation

struct TrajectorySidecar: Codable {
    /// The source sound, an absolute path.
    var sound: String
    var fft: Int
    var hop: Int
    /// The rate of the trajectory's times (and of the analysis).
    var sampleRate: Int
    var anchor: String
    /// How encode-sound analysed the sound: autocode or training.
    var analysis: String?

    static func path(for trajectory: String) -> String { trajectory + ".json" }

    func write(for trajectory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try writeAtomically(try encoder.encode(self) + Data("\n".utf8), to: Self.path(for: trajectory))
    }

    /// The sidecar of `trajectory`, or nil when it has none.
    static func read(for trajectory: String) throws -> TrajectorySidecar? {
        let path = path(for: trajectory)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(TrajectorySidecar.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw ModelFileError(path: path, problem: "not a trajectory sidecar (\(error.localizedDescription)); it holds {sound, fft, hop, sampleRate, anchor}")
        }
    }
}
