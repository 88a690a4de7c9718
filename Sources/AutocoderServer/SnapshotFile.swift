// What `ANCHOR.snapshots.json` holds: a model's snapshots by name, with a
// format name and version so that another file, or a later format, is told
// apart from a broken one. Any thread.

struct SnapshotFile: Codable {
    static let formatName = "autocoder snapshots"
    static let currentVersion = 1

    var format = SnapshotFile.formatName
    var version = SnapshotFile.currentVersion
    var snapshots: [String: Snapshot]
}
