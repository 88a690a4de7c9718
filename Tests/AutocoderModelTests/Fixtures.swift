// Locations of the committed reference fixtures (see Tests/Fixtures/make_fixtures.py).

import Foundation
import AutocoderModel

enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path
    static let models = root + "/models"

    /// Every recorded model: converter tag ("old" = TF 2.5, "new" = TF 2.21) and size/architecture.
    static let modelNames = [
        "old-tiny-shallow", "old-tiny-deep", "old-full-shallow",
        "new-tiny-shallow", "new-tiny-deep", "new-full-shallow", "new-full-deep",
    ]

    static func array(_ name: String) throws -> NumPyArray {
        try NumPyArray(contentsOf: models + "/" + name)
    }

    /// A fresh temporary directory, removed by the caller with `cleanUp`.
    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "autocoder-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Copies fixture files to `anchor` + extension, e.g. ["x.enc": ".dec"] makes anchor.dec.
    static func copy(_ files: [String: String], to anchor: String) throws {
        for (fixture, ext) in files {
            try FileManager.default.copyItem(atPath: models + "/" + fixture, toPath: anchor + ext)
        }
    }

    static func bytes(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path)!) }
}

func maxAbsoluteDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "length \(a.count) vs \(b.count)")
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
