// Reading a model-side file (.mm, .dec, .enc, .npy, .minmax) whole, with an
// error that says what is wrong with the path: missing, a symbolic-link loop,
// a dangling link, a folder, unreadable, too large, or not the kind of file
// its name says (checked on its first bytes, before the rest is read).
// Any thread; blocking file I/O.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A path as the file system sees it, before anything is read.
public enum FileEntry {
    /// Whether anything (a file, a folder, a link, even a broken one) is at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Why `path` cannot be opened for reading, in words ("no such file", "is a
    /// symbolic-link loop …"), from the errno that open(2) or stat(2) gave.
    public static func problem(opening path: String, errno code: Int32) -> String {
        switch code {
        case ENOENT:
            return exists(path) ? "is a symbolic link to a file that does not exist" : "no such file"
        case ELOOP: return "is a symbolic-link loop (ELOOP: too many levels of symbolic links)"
        case EACCES: return "cannot be read: permission denied"
        case ENOTDIR: return "no such file (a folder on its path is a file)"
        default: return "cannot be read: \(String(cString: strerror(code)))"
        }
    }

    /// Why `path` is not a regular file that can be read, or nil when it is one.
    public static func readProblem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return problem(opening: path, errno: errno) }
        return kindProblem(info)
    }

    fileprivate static func kindProblem(_ info: stat) -> String? {
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "is a directory, not a file"
        default: return "is not a regular file"
        }
    }
}

extension ModelFileError {
    /// The bytes of a file, or an error saying why they cannot be had.
    /// `checkStart` sees the first 64 bytes (fewer in a shorter file) and
    /// returns a problem to refuse the file before the rest is read; then
    /// files over `maximumSize` bytes are refused without reading the rest.
    public static func contents(of path: String, maximumSize: Int = .max, what: String = "file",
                                checkStart: ([UInt8]) -> String? = { _ in nil }) throws -> [UInt8] {
        // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below).
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw ModelFileError(path: path, problem: FileEntry.problem(opening: path, errno: errno)) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw ModelFileError(path: path, problem: FileEntry.problem(opening: path, errno: errno)) }
        if let problem = FileEntry.kindProblem(info) { throw ModelFileError(path: path, problem: problem) }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: min(size, 64))
        var filled = 0
        func readMore(upTo end: Int) throws {
            while filled < min(end, bytes.count) {
                let wanted = min(end, bytes.count) - filled
                let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + filled, wanted, off_t(filled)) }
                if count < 0, errno == EINTR { continue }
                guard count >= 0 else { throw ModelFileError(path: path, problem: "cannot be read: \(String(cString: strerror(errno)))") }
                if count == 0 { bytes.removeLast(bytes.count - filled) }   // the file shrank while being read
                filled += count
            }
        }
        try readMore(upTo: 64)
        if let problem = checkStart(Array(bytes.prefix(filled))) { throw ModelFileError(path: path, problem: problem) }
        guard size <= maximumSize else {
            throw ModelFileError(path: path, problem: "is \(Self.megabytes(size)); \(what) is at most \(Self.megabytes(maximumSize)), so it is not read")
        }
        if bytes.count == filled, filled < size { bytes += [UInt8](repeating: 0, count: size - filled) }
        try readMore(upTo: size)
        return bytes
    }

    private static func megabytes(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? String(format: "%.1f MB", Double(bytes) / Double(1 << 20)) : "\(bytes) bytes"
    }
}
