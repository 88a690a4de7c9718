// What the writer of a trajectory tells `render --trajectory` about it, beside
// it: `F.latents.npy.json` = {sound, fft, hop, sampleRate, anchor, analysis}.
// The rate says what the trajectory's times count; the sound is the source
// `--report` compares the rendering with: the sound `encode-sound` encoded, or
// the take a server recorded while it wrote the trajectory. Written
// atomically; values, any thread.

import Foundation

public struct TrajectorySidecar: Codable, Sendable {
    /// The source sound, an absolute path.
    public var sound: String
    /// The synthesis shape (of the lowest voice, for a take).
    public var fft: Int
    public var hop: Int
    /// The rate of the trajectory's times (and of the analysis).
    public var sampleRate: Int
    public var anchor: String
    /// How the latent values were found: `autocode` or `training` (encode-sound's
    /// analyses), or `played` (what a server's voices played in a take).
    public var analysis: String?

    public init(sound: String, fft: Int, hop: Int, sampleRate: Int, anchor: String, analysis: String?) {
        self.sound = sound
        self.fft = fft
        self.hop = hop
        self.sampleRate = sampleRate
        self.anchor = anchor
        self.analysis = analysis
    }

    public static func path(for trajectory: String) -> String { trajectory + ".json" }

    public func write(for trajectory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try writeAtomically(try encoder.encode(self) + Data("\n".utf8), to: Self.path(for: trajectory))
    }

    /// The sidecar of `trajectory`, or nil when it has none.
    public static func read(for trajectory: String) throws -> TrajectorySidecar? {
        let path = path(for: trajectory)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(TrajectorySidecar.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw ModelFileError(path: path, problem: "not a trajectory sidecar (\(error.localizedDescription)); it holds {sound, fft, hop, sampleRate, anchor}")
        }
    }
}
