// One slow request on its way through the load worker.
//
// `work` runs on the worker thread: it reads files, analyses sound and builds
// models and voices, checking `isCancelled` where it can stop early, and
// returns the step that applies what it made. That step, or `failed` when the
// work threw, runs later on the network thread, which owns the server's state.
// A cancelled job's outcome is never applied. Who asked, and who is told,
// is the business of the command that made the job (a PendingRequest).

import Atomics

final class LoadJob: @unchecked Sendable {
    /// Jobs of one kind supersede each other: a newer one cancels the older.
    let kind: String
    let work: (LoadJob) throws -> () throws -> Void
    let failed: (Error) -> Void
    private let cancelled = ManagedAtomic<Bool>(false)
    /// Its place in the order of submission (set by the worker).
    var number = 0
    /// What `work` returned or threw; set by the worker before it hands the job back.
    var outcome: Result<() throws -> Void, Error>?

    init(kind: String, work: @escaping (LoadJob) throws -> () throws -> Void, failed: @escaping (Error) -> Void) {
        self.kind = kind
        self.work = work
        self.failed = failed
    }

    /// Any thread.
    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    func cancel() { cancelled.store(true, ordering: .relaxed) }
}
