// Files that appear whole or not at all: each is written to a hidden temporary
// in its own folder (so the rename cannot cross file systems) and renamed into
// place once written. Readers never see a half-written file, whatever stops the
// writer (a signal, a full disk, a crash). Any thread; blocking file I/O.

import Foundation

/// Writes `data` to `path` atomically; errors name the path. `synced`: the
/// file's bytes reach the disk before the rename, and the rename before it
/// returns (for small files rewritten often, whose loss would be a user's work).
public func writeAtomically(_ data: Data, to path: String, synced: Bool = false) throws {
    guard synced else { return try writeAtomically([(path, data)]) }
    try writeAtomically(to: path, synced: true) { write in try data.withUnsafeBytes { try write($0) } }
}

/// Streams a file to its temporary through `body`, which calls the function
/// it is given with each run of bytes, then renames it into place.
public func writeAtomically(to path: String, synced: Bool = false, _ body: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
    let url = URL(fileURLWithPath: path)
    let temporary = temporaryPath(for: url)
    guard let file = fopen(temporary, "wb") else {
        throw ModelFileError(path: path, problem: "could not be written: \(String(cString: strerror(errno)))")
    }
    var closed = false
    defer {
        if !closed { fclose(file) }
        unlink(temporary)
    }
    try body { bytes in
        guard bytes.isEmpty || fwrite(bytes.baseAddress, 1, bytes.count, file) == bytes.count else {
            throw ModelFileError(path: path, problem: "could not be written: \(String(cString: strerror(errno)))")
        }
    }
    if synced, fflush(file) != 0 || fsync(fileno(file)) != 0 {
        throw ModelFileError(path: path, problem: "could not be written: \(String(cString: strerror(errno)))")
    }
    closed = true
    guard fclose(file) == 0 else { throw ModelFileError(path: path, problem: "could not be written: \(String(cString: strerror(errno)))") }
    guard rename(temporary, path) == 0 else {
        throw ModelFileError(path: path, problem: "could not be renamed into place: \(String(cString: strerror(errno)))")
    }
    if synced {
        // The rename itself is kept by the folder's entry.
        let folder = open(url.deletingLastPathComponent().path, O_RDONLY)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
    }
}

/// The hidden temporary beside `url` that a writer of this process uses
/// (`.NAME.partial-PID`; `LatentTrajectoryWriter` grows its file there too).
func temporaryPath(for url: URL) -> String {
    url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())").path
}

/// Writes every file to its temporary first, and renames them into place only
/// when all are written, so a failure part-way leaves every old file as it was.
public func writeAtomically(_ files: [(path: String, data: Data)]) throws {
    var written: [(temporary: String, path: String)] = []
    // Temporaries left after a failure are removed (renamed ones are gone already).
    defer { for (temporary, _) in written { unlink(temporary) } }
    for (path, data) in files {
        let temporary = temporaryPath(for: URL(fileURLWithPath: path))
        do {
            try data.write(to: URL(fileURLWithPath: temporary))
        } catch {
            unlink(temporary)
            throw ModelFileError(path: path, problem: "could not be written: \((error as NSError).localizedDescription)")
        }
        written.append((temporary, path))
    }
    for (temporary, path) in written where rename(temporary, path) != 0 {
        throw ModelFileError(path: path, problem: "could not be renamed into place: \(String(cString: strerror(errno)))")
    }
}
