// numpy's own view of a .npy file (the Python with numpy that made the
// training sound, see DroneSound): what a user's `np.load` sees, for tests
// that check the files autocoder writes load in numpy.

import Foundation

public enum NumPyView {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The array's shape, its dtype (`<f4`) and its rows as numbers.
    public static func load(_ path: String) throws -> (shape: [Int], dtype: String, rows: [[Double]]) {
        guard let python = DroneSound.python else { throw Failure(description: "no Python with numpy (scripts/test makes .venv-litert)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import numpy as np, sys; a = np.load(sys.argv[1]); print(*a.shape); print(a.dtype.str)\nfor r in a: print(*map(repr, r.tolist()))", path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure(description: "numpy could not load \(path)") }
        let lines = text.split(separator: "\n")
        return (lines[0].split(separator: " ").map { Int($0)! }, String(lines[1]), lines.dropFirst(2).map { $0.split(separator: " ").map { Double($0)! } })
    }
}
