// Open connections per TCP peer address, shared by all loops to enforce `maxConnectionsPerAddress`.
import Locking

/// Touched twice per connection (accept and close), never per request, so one lock over a
/// dictionary is cheap enough; a Locked rather than a Mutex because every loop thread takes it
/// (see Locking/BlockingLock.swift).
final class PerAddressConnectionCounter: Sendable {
    private let counts = Locked<[String: Int]>([:])
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Takes a slot for `address` unless it already holds `limit` connections.
    func tryAcquire(_ address: String) -> Bool {
        counts.withLock { counts in
            let current = counts[address, default: 0]
            guard current < limit else { return false }
            counts[address] = current + 1
            return true
        }
    }

    /// Gives a slot back; an address with no connection left is dropped, so the map holds only
    /// addresses that are connected right now.
    func release(_ address: String) {
        counts.withLock { counts in
            guard let current = counts[address] else { return }
            if current <= 1 {
                counts.removeValue(forKey: address)
            } else {
                counts[address] = current - 1
            }
        }
    }

    func count(for address: String) -> Int {
        counts.withLock { $0[address, default: 0] }
    }
}
