// One remembered state of a generative or filter voice (/snapshot/save): its
// latent targets, its walk, the spectral controls a snapshot keeps and its
// level; and the weighted mean of several (/snapshot/blend). A value, as the
// snapshot file stores it; any thread.

import AutocoderEngine

struct Snapshot: Codable, Equatable {
    /// The controls a snapshot keeps.
    static let parameters: [EngineParameter] = [.walkStep, .glide, .brightness, .whitening, .feedback, .smoothing]

    var latent: [Float]
    var walk: Bool
    /// By the control's name (`walk/step`, `glide`, …).
    var controls: [String: Float]
    var level: Float

    /// The controls as the engine takes them, each within its range (a file
    /// edited by hand may hold anything; names it does not know are left out).
    var engineControls: [(EngineParameter, Float)] {
        Self.parameters.compactMap { parameter in
            controls[parameter.rawValue].map { (parameter, min(max($0, parameter.range.lowerBound), parameter.range.upperBound)) }
        }
    }

    /// The weighted mean of `parts` (weights ≥ 0, not all 0): the latent over
    /// the dimensions they all have, each control over those that have it, the
    /// walk on when the weight of those walking is more than half.
    static func blend(_ parts: [(snapshot: Snapshot, weight: Float)]) -> Snapshot {
        let total = parts.map(\.weight).reduce(0, +)
        let shares = parts.map { ($0.snapshot, $0.weight / total) }
        let dimensions = parts.map(\.snapshot.latent.count).min() ?? 0
        let latent = (0..<dimensions).map { d in shares.map { $0.0.latent[d] * $0.1 }.reduce(0, +) }
        var controls: [String: Float] = [:]
        for name in Set(parts.flatMap(\.snapshot.controls.keys)) {
            let having = shares.filter { $0.0.controls[name] != nil }
            let weight = having.map(\.1).reduce(0, +)
            guard weight > 0 else { continue }
            controls[name] = having.map { $0.0.controls[name]! * $0.1 }.reduce(0, +) / weight
        }
        return Snapshot(latent: latent, walk: shares.filter(\.0.walk).map(\.1).reduce(0, +) > 0.5, controls: controls,
                        level: shares.map { $0.0.level * $0.1 }.reduce(0, +))
    }
}
