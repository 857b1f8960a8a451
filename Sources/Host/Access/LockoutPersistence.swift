import Locking

/// One address's lockout as host.db keeps it.
struct AddressLockout: Sendable, Equatable {
    var address: String
    var failures: Int
    var windowStartMs: Int64
    var lockedUntilMs: Int64
}

/// Keeps the abuse guard's lockouts across restarts. Without it, restarting the daemon (or
/// crashing it on purpose) handed a locked-out address a fresh set of attempts.
///
/// Only lockouts are written, when they begin; failures below the threshold stay in memory (a
/// restart forgets them, which gives nobody more than one extra set of attempts per restart).
/// The write is queued here and done by a periodic task on the audit flush thread (every 200 ms,
/// and once more at shutdown), so the request that triggers a lockout never waits for the disk.
final class LockoutPersistence: Sendable {
    private let stores: ConnectionPool<HostStore>
    private let queued = Locked<[AddressLockout]>([])

    init(stores: ConnectionPool<HostStore>) {
        self.stores = stores
    }

    /// The lockouts still running, for the abuse guard to start with.
    func load(now: Int64) -> [AddressLockout] {
        do { return try stores.withResource { try $0.activeLockouts(now: now) } } catch {
            Log.error("abuse", "could not read the lockouts in host.db (starting without them): \(error)")
            return []
        }
    }

    func enqueue(_ lockout: AddressLockout) {
        queued.withLock { $0.append(lockout) }
    }

    /// Writes what was queued; called from the flush thread.
    func flush() {
        let pending = queued.withLock { queue -> [AddressLockout] in
            defer { queue.removeAll() }
            return queue
        }
        guard !pending.isEmpty else { return }
        do { try stores.withResource { try $0.rememberLockouts(pending) } } catch {
            Log.error("abuse", "could not record \(pending.count) lockout(s) in host.db: \(error)")
        }
    }
}
