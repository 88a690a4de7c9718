// Counts heap allocations made on one watched thread. The hook runs inside
// malloc on the allocating thread, so it must not allocate: it compares a
// thread id and bumps a counter, nothing else.

import MallocInterposerSwift
#if canImport(Glibc)
import Glibc
#endif

nonisolated(unsafe) var watchedThread: pthread_t = 0
nonisolated(unsafe) var watchedThreadAllocations = 0
nonisolated(unsafe) var watchedThreadBytes = 0

let countWatchedThreadAllocations: MallocInterposerSwift.AllocationHook = { size in
    if pthread_self() == watchedThread {
        watchedThreadAllocations += 1
        watchedThreadBytes += size
    }
}
