// Server-wide connection count, shared by all loops to enforce `maxConnections`.
import Synchronization

final class ConnectionCounter: Sendable {
    private let value = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Takes a slot unless the cap is reached (compare-and-swap, so two loops can't both
    /// take the last one).
    func tryAcquire() -> Bool {
        var current = value.load(ordering: .sequentiallyConsistent)
        while current < limit {
            let (exchanged, original) = value.compareExchange(expected: current, desired: current + 1,
                                                              ordering: .sequentiallyConsistent)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func release() { value.subtract(1, ordering: .sequentiallyConsistent) }

    var current: Int { value.load(ordering: .sequentiallyConsistent) }
}
