// A boolean any thread may set and read: stop requests and "went away" flags.
// Lock-free, so the render thread and C callbacks may touch it too.

import Atomics

final class ManagedFlag: @unchecked Sendable {
    private let value = ManagedAtomic<Bool>(false)
    func set(_ on: Bool) { value.store(on, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
