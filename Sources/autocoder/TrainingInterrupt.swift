// What Ctrl-C and SIGTERM do to `autocoder train`: the first asks the trainer
// to finish the epoch it is in and write the best model so far; a second one
// aborts at once, writing nothing (the model files are only ever renamed into
// place whole, so an abort never leaves a half-written one).
//
// `received` runs on StopSignals' watcher thread; `requested` is read by the
// training loop on the main thread.

import AutocoderServer
import Atomics
import Foundation

final class TrainingInterrupt: Sendable {
    private let first = ManagedAtomic<Int32>(0)

    /// The signal that asked training to stop, or nil while none has.
    var requested: Int32? {
        let signal = first.load(ordering: .acquiring)
        return signal == 0 ? nil : signal
    }

    /// Starts taking SIGINT and SIGTERM for the process (see StopSignals).
    func watch() {
        StopSignals.watch { [self] signal in received(signal) }
    }

    private func received(_ signal: Int32) {
        if first.compareExchange(expected: 0, desired: signal, ordering: .acquiringAndReleasing).exchanged {
            Self.say("\(Self.name(signal)): finishing this epoch, then writing the best model so far (again to abort)")
        } else {
            Self.say("\(Self.name(signal)) again: training aborted, no model written")
            _exit(128 + signal)
        }
    }

    static func name(_ signal: Int32) -> String {
        signal == SIGINT ? "SIGINT (Ctrl-C)" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"
    }

    private static func say(_ line: String) {
        FileHandle.standardError.write(Data("\n\(line)\n".utf8))
    }
}
