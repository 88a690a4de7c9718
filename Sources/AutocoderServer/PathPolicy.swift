// Which file paths OSC messages may name.
//
// Without a root, paths are taken as given (relative ones from the server's
// folder). With `--root DIR`, every path from OSC is resolved inside DIR: a
// relative path is taken from DIR, and the result — after `..` and symbolic
// links are resolved — must still lie inside DIR, or the message is refused.
// Network thread only.

import Foundation

struct PathPolicy {
    /// The confining directory, resolved (no symbolic links), or nil for none.
    let root: String?

    init(root: String?) throws {
        guard let root else {
            self.root = nil
            return
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Rejection("--root \(root) is not a directory")
        }
        self.root = URL(fileURLWithPath: root).resolvingSymlinksInPath().standardizedFileURL.path
    }

    /// The absolute path `path` names, or a rejection when it leaves the root.
    func resolve(_ path: String) throws -> String {
        let base = root ?? FileManager.default.currentDirectoryPath
        let absolute = path.hasPrefix("/") ? path : base + "/" + path
        guard let root else { return URL(fileURLWithPath: absolute).standardizedFileURL.path }
        // Resolve links in the longest existing prefix (a file to be created does not exist yet).
        var url = URL(fileURLWithPath: absolute).standardizedFileURL
        var missing: [String] = []
        while !FileManager.default.fileExists(atPath: url.path), url.path != "/" {
            missing.insert(url.lastPathComponent, at: 0)
            url.deleteLastPathComponent()
        }
        var resolved = url.resolvingSymlinksInPath().standardizedFileURL.path
        for component in missing { resolved = (resolved as NSString).appendingPathComponent(component) }
        guard resolved == root || resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
            throw Rejection("\(path) is outside the --root folder \(root)")
        }
        return resolved
    }
}
