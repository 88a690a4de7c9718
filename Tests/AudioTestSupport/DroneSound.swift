// The bundled model's training sound (models/drone.wav), made once per test
// run by models/make_source.py (numpy, from the .venv-litert environment or
// the system's python3) in a scratch folder: the repository does not hold it.

import Foundation

public enum DroneSound {
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    private static let made: Result<String, Missing> = {
        let path = NSTemporaryDirectory() + "autocoder-drone-\(getpid())/drone.wav"
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        for python in [root + "/.venv-litert/bin/python", "/usr/bin/python3"] where FileManager.default.isExecutableFile(atPath: python) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [root + "/models/make_source.py", path]
            process.standardError = Pipe()
            process.standardOutput = Pipe()
            guard (try? process.run()) != nil else { continue }
            process.waitUntilExit()
            if process.terminationStatus == 0 { return .success(path) }
        }
        return .failure(Missing(description: "models/make_source.py could not make drone.wav (it needs numpy: run scripts/test, which makes .venv-litert)"))
    }()

    /// Its length: 60 s at 44.1 kHz (16-bit).
    public static let sampleCount = 60 * 44100

    /// The path of the 60 s sound, the same file every time.
    public static func path() throws -> String { try made.get() }

    /// The Python with numpy that made it, for tests that read files with numpy.
    public static var python: String? {
        [root + "/.venv-litert/bin/python", "/usr/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
