// The thread that does the server's slow work: reading sound and model files,
// analysing sound, learning autocode ranges, building voices. The network
// thread hands it jobs and gets finished ones back, woken through a
// `WakeSignal`, so it never waits for a file or an analysis and goes on
// answering /status, /stop and /gain while a load runs.
//
// Jobs run one at a time in the order they came (two cores are shared with the
// render thread). A newer job of a kind supersedes the older ones: a waiting
// one is dropped, a running one is cancelled (its work stops where it checks
// `isCancelled`), a finished one not yet taken is discarded.
//
// Threading: `submit`, `takeFinished` and `stop` from the network thread; the
// lock they share with the worker is never taken by the render thread.

import Foundation

final class LoadWorker: @unchecked Sendable {
    private let condition = NSCondition()
    private var waiting: [LoadJob] = []
    private var running: LoadJob?
    private var finished: [LoadJob] = []
    private var stopping = false
    private let wake: WakeSignal
    /// Jobs submitted so far: each job's number is the count at its submission.
    private var submitted = 0

    init(wake: WakeSignal) {
        self.wake = wake
        let thread = Thread { [self] in work() }
        thread.name = "autocoder loads"
        thread.start()
    }

    /// Queues `job` behind the others and cancels every job of its kind before it.
    func submit(_ job: LoadJob) {
        condition.lock()
        defer { condition.unlock() }
        for old in finished + waiting + [running].compactMap({ $0 }) where old.kind == job.kind { old.cancel() }
        finished.removeAll { $0.kind == job.kind }
        waiting.removeAll { $0.kind == job.kind }
        submitted += 1
        job.number = submitted
        waiting.append(job)
        condition.signal()
    }

    /// The jobs finished since the last call, in the order they were submitted.
    func takeFinished() -> [LoadJob] {
        condition.lock()
        defer { condition.unlock() }
        let done = finished.filter { !$0.isCancelled }
        finished.removeAll()
        return done
    }

    /// A mark of every job submitted so far, for `hasFinished(through:)`.
    var mark: Int {
        condition.lock()
        defer { condition.unlock() }
        return submitted
    }

    /// Whether every job submitted up to `mark` has been handed back (taken by
    /// `takeFinished`) or cancelled.
    func hasFinished(through mark: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return !(waiting + finished + [running].compactMap { $0 }).contains { $0.number <= mark && !$0.isCancelled }
    }

    /// Cancels every job and lets the thread end; waits at most `timeout`
    /// seconds for a running job to notice (a file being read cannot be interrupted).
    func stop(timeout: Double = 0.5) {
        condition.lock()
        defer { condition.unlock() }
        stopping = true
        running?.cancel()
        for job in waiting { job.cancel() }
        waiting.removeAll()
        condition.broadcast()
        let deadline = Date().addingTimeInterval(timeout)
        while running != nil, condition.wait(until: deadline) {}
    }

    private func work() {
        condition.lock()
        while true {
            while waiting.isEmpty, !stopping { condition.wait() }
            if stopping { break }
            let job = waiting.removeFirst()
            running = job
            condition.unlock()
            let outcome = Result { try job.work(job) }
            condition.lock()
            running = nil
            job.outcome = outcome
            if !job.isCancelled { finished.append(job) }
            condition.broadcast()
            wake.signal()
        }
        condition.unlock()
    }
}
