// TensorFlow Lite's own interpreter (ai-edge-litert), run through
// Tests/Fixtures/litert_check.py in the virtual environment scripts/test makes.

import AutocoderModel
import Foundation

public enum LiteRT {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    public struct Missing: Error, CustomStringConvertible {
        public let description = "TensorFlow Lite's interpreter is missing: run scripts/test (it makes .venv-litert with ai-edge-litert)"
    }

    /// Runs `model` on `rows`; returns, per row, every graph output in subgraph
    /// order followed by the tensor at `index` (as the published tools read it).
    public static func run(_ model: String, rows: [[Float]], index: Int) throws -> [[Float]] {
        let python = root + "/.venv-litert/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else { throw Missing() }
        let scratch = NSTemporaryDirectory() + "autocoder-litert-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try NumPyArray.write(float64: rows.flatMap { $0.map(Double.init) }, shape: [rows.count, rows[0].count], to: scratch + "/in.npy")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [root + "/Tests/Fixtures/litert_check.py", model, scratch + "/in.npy", scratch + "/out.npy", String(index)]
        process.standardError = Pipe()
        try process.run()
        process.waitUntilExit()
        let out = try NumPyArray(contentsOf: scratch + "/out.npy")
        return (0..<out.shape[0]).map { r in Array(out.floats[r * out.shape[1]..<(r + 1) * out.shape[1]]) }
    }
}
