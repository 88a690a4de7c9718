// The server's version, as /version answers it: the release, and the commit of
// the clone it was built in when that can be told. Any thread.

import Foundation

enum AutocoderVersion {
    static let major = 0
    static let minor = 18
    static let patch = 0

    /// The commit checked out where this executable was built (its `.build`
    /// folder lies inside the clone), or "unknown" for a copy installed elsewhere.
    static let commit: String = {
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        while folder.path != "/" {
            let git = folder.appendingPathComponent(".git")
            if let head = try? String(contentsOf: git.appendingPathComponent("HEAD"), encoding: .utf8) {
                return resolve(head.trimmingCharacters(in: .whitespacesAndNewlines), in: git) ?? "unknown"
            }
            folder.deleteLastPathComponent()
        }
        return "unknown"
    }()

    /// HEAD's commit: the hash itself, or the hash its branch names (loose or packed).
    private static func resolve(_ head: String, in git: URL) -> String? {
        guard head.hasPrefix("ref: ") else { return head.isEmpty ? nil : String(head.prefix(12)) }
        let ref = String(head.dropFirst(5))
        if let loose = try? String(contentsOf: git.appendingPathComponent(ref), encoding: .utf8) {
            return String(loose.trimmingCharacters(in: .whitespacesAndNewlines).prefix(12))
        }
        let packed = (try? String(contentsOf: git.appendingPathComponent("packed-refs"), encoding: .utf8)) ?? ""
        return packed.split(separator: "\n").first { $0.hasSuffix(" " + ref) }.map { String($0.prefix(12)) }
    }
}
