// The snapshots of one model (by its anchor) and their file,
// `ANCHOR.snapshots.json` beside the bundle: read on first use, written whole
// and atomically (a temporary beside it, synced, renamed into place) on every
// change, so a crash or a kill at any moment leaves the old file or the new
// one. A file that cannot be read is set aside as `….corrupt-N` (never
// overwritten or deleted) and the store starts empty.
//
// Network thread only. The file is a few kilobytes: it is read and written on
// the network thread, so a reply of /snapshot/saved means it is on disk.

import AutocoderModel
import Foundation

final class SnapshotStore {
    let path: String
    private(set) var snapshots: [String: Snapshot] = [:]
    /// What was wrong with the file when it was read, until a client has been told.
    private(set) var problem: String?
    var problemLogged = false

    /// The store of the model at `anchor`, read from its file when there is one.
    init(anchor: String) {
        path = anchor + ".snapshots.json"
        guard let data = FileManager.default.contents(atPath: path) else { return }
        do {
            let file = try JSONDecoder().decode(SnapshotFile.self, from: data)
            guard file.format == SnapshotFile.formatName else { throw Rejection("its format is \"\(file.format)\", not \"\(SnapshotFile.formatName)\"") }
            guard file.version <= SnapshotFile.currentVersion else { throw Rejection("it is of version \(file.version); this server reads \(SnapshotFile.currentVersion)") }
            snapshots = file.snapshots
        } catch {
            problem = "\(path) could not be read (\(Self.describe(error))); " + setAside()
        }
    }

    /// The problem with the file, if any, for the one client told of it.
    func takeProblem() -> String? {
        defer { problem = nil }
        return problem
    }

    func save(_ snapshot: Snapshot, as name: String) throws {
        var changed = snapshots
        changed[name] = snapshot
        try write(changed)
    }

    func delete(_ name: String) throws {
        var changed = snapshots
        changed[name] = nil
        try write(changed)
    }

    /// Writes `changed` and keeps it once it is in place (a failed write leaves both the file and the store as they were).
    private func write(_ changed: [String: Snapshot]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try writeAtomically(try encoder.encode(SnapshotFile(snapshots: changed)), to: path, synced: true)
        } catch {
            throw Rejection("\(error)")
        }
        snapshots = changed
    }

    /// Renames the file to the first free `….corrupt-N`; says where it went.
    private func setAside() -> String {
        var n = 1
        while FileManager.default.fileExists(atPath: "\(path).corrupt-\(n)") { n += 1 }
        let aside = "\(path).corrupt-\(n)"
        // link + unlink, not rename: a corrupt-N that appeared meanwhile is never replaced.
        guard link(path, aside) == 0, unlink(path) == 0 else {
            return "it could not be set aside as \(aside) (\(String(cString: strerror(errno)))); a fresh store starts in memory and will replace it on the next save"
        }
        return "set aside as \(aside); a fresh store starts"
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case let rejection as Rejection: rejection.reason
        case let DecodingError.dataCorrupted(context): "not valid JSON: \(context.debugDescription)"
        case let DecodingError.keyNotFound(key, context): "\(path(context) + key.stringValue) is missing"
        case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context):
            "\(path(context).dropLast()) is not what a snapshot holds: \(context.debugDescription)"
        default: "\(error)"
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        context.codingPath.map { $0.intValue.map { "[\($0)]." } ?? $0.stringValue + "." }.joined()
    }
}
