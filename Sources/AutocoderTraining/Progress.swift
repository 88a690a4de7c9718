// A progress bar on standard error when it is a terminal; silent otherwise.
// For offline tools only.

import Foundation

public final class ProgressBar {
    private let label: String
    private let enabled: Bool
    private var lastDrawn = -1

    public init(_ label: String, enabled: Bool = isatty(STDERR_FILENO) != 0) {
        self.label = label
        self.enabled = enabled
    }

    /// Draws `fraction` (0…1) with an optional note, e.g. the time left.
    public func update(_ fraction: Double, note: String = "") {
        guard enabled else { return }
        let percent = Int((min(max(fraction, 0), 1) * 100).rounded(.down))
        guard percent != lastDrawn || !note.isEmpty else { return }
        lastDrawn = percent
        let width = 30
        let filled = percent * width / 100
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(label) \(bar) \(percent)% \(note)".utf8))
    }

    public func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
