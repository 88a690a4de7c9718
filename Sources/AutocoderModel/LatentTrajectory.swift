// A latent trajectory read from its file: the latent sequence of a sound (from
// `autocoder encode-sound`) or of a performance, to render back.
//
// The format, `.latents.npy`: a NumPy array (format 1.0 header, '<f4', C
// order) of shape [rows, 2 + latentCount]. Each row is one voice at one hop:
//     [time, voice, v1 … vN]
// time in samples at the rate of the engine that wrote it (the trajectory's
// sidecar `F.latents.npy.json` names that rate when there is one), voice the
// voice's ID, v the latent values the voice played (in [0,1] as /latent takes
// them). Rows are sorted by time, then voice. Float32 holds times exactly up to
// 2^24 samples (6 min 20 s at 44.1 kHz); later ones are rounded to a few
// samples, well inside a hop, for hours. A file whose writer was killed is its
// hidden temporary `.F.latents.npy.partial-PID`, a valid array of the rows
// written until then (see LatentTrajectoryWriter).
//
// Values; any thread.

import Foundation

public struct LatentTrajectory: Sendable {
    public let path: String
    public let latentCount: Int
    /// Per row: time in samples, voice ID.
    public let times: [Double]
    public let voiceIDs: [Int]
    /// Row after row, latentCount values each.
    public let latents: [Float]

    public var rowCount: Int { times.count }
    /// The voices the file holds, in increasing order.
    public var voices: [Int] { Array(Set(voiceIDs)).sorted() }

    /// Reads and checks `path`: a 2-D float32 array of at least three columns,
    /// every value finite, voice IDs whole numbers, rows in order of time then
    /// voice. Errors name the file and the problem.
    public init(contentsOf path: String) throws {
        let array = try NumPyArray(contentsOf: path)
        func fail(_ problem: String) -> ModelFileError { ModelFileError(path: path, problem: "not a latent trajectory: \(problem)") }
        guard array.dtype == "<f4" else { throw fail("its dtype is \(array.dtype); a trajectory is float32 ('<f4')") }
        guard array.shape.count == 2 else { throw fail("its shape is \(array.shape); a trajectory is 2-D, [rows, 2 + latent values]") }
        let rows = array.shape[0], width = array.shape[1]
        guard width >= 3 else { throw fail("its rows have \(width) values; a row is time, voice and at least one latent value") }
        if let bad = array.values.firstIndex(where: { !$0.isFinite }) {
            throw fail("row \(bad / width), column \(bad % width) is \(array.values[bad]) (every value must be finite)")
        }
        var times = [Double](repeating: 0, count: rows), voiceIDs = [Int](repeating: 0, count: rows)
        var latents = [Float](repeating: 0, count: rows * (width - 2))
        for r in 0..<rows {
            let time = array.values[r * width], voice = array.values[r * width + 1]
            guard voice == voice.rounded(), abs(voice) < 1e9 else { throw fail("row \(r) names voice \(voice), not a whole number") }
            if r > 0, time < times[r - 1] || (time == times[r - 1] && Int(voice) <= voiceIDs[r - 1]) {
                throw fail("row \(r) (time \(time), voice \(Int(voice))) comes before row \(r - 1) (time \(times[r - 1]), voice \(voiceIDs[r - 1])); rows must be sorted by time, then voice")
            }
            times[r] = time
            voiceIDs[r] = Int(voice)
            for d in 0..<width - 2 { latents[r * (width - 2) + d] = Float(array.values[r * width + 2 + d]) }
        }
        self.path = path
        latentCount = width - 2
        self.times = times
        self.voiceIDs = voiceIDs
        self.latents = latents
    }

    /// One voice's rows as a path through the latent space.
    public func latentPath(ofVoice voice: Int) -> LatentPath? {
        let rows = voiceIDs.indices.filter { voiceIDs[$0] == voice }
        guard !rows.isEmpty else { return nil }
        return LatentPath(times: rows.map { times[$0] },
                          latents: rows.flatMap { latents[$0 * latentCount..<($0 + 1) * latentCount] }, latentCount: latentCount)
    }
}
