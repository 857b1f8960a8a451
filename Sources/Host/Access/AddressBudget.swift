import Locking

/// How much of one kind of expensive pre-authentication work (a scrypt verification, a metadata
/// fetch) one client address may have at once, and optionally how much it may start per minute.
///
/// The global budgets (the pre-auth threads, the fetch threads) keep unauthenticated work away
/// from the tool-call workers; this keeps one address from taking the whole of those budgets, so
/// that a person signing in from elsewhere still gets a turn during a flood. Addresses come from
/// ClientAddress (X-Forwarded-For only behind trusted proxies), so they cannot be forged freely.
///
/// Only OAuth requests touch it, never a tool call: one Locked dictionary is plenty.
final class AddressBudget: Sendable {
    enum Admission: Equatable {
        case admitted
        /// Over the address's budget; retry after this many seconds.
        case refused(retryAfterSeconds: Int)
    }

    let maxConcurrent: Int
    /// nil: no rate, only the concurrency cap.
    let perMinute: Int?
    private let entries = Locked<[String: Entry]>([:])

    private struct Entry {
        var running = 0
        /// Start times (ms) within the last minute, oldest first; at most `perMinute` of them.
        var starts: [Int64] = []
    }

    init(maxConcurrent: Int, perMinute: Int? = nil) {
        self.maxConcurrent = max(1, maxConcurrent)
        self.perMinute = perMinute
    }

    /// Takes one unit for `address`, or says when to come back. An admitted caller must `release`.
    func acquire(_ address: String, now: Int64) -> Admission {
        entries.withLock { entries in
            var entry = entries[address] ?? Entry()
            entry.starts.removeAll { now - $0 >= 60_000 }
            if entry.running >= maxConcurrent {
                entries[address] = entry
                return .refused(retryAfterSeconds: 1)
            }
            if let perMinute, entry.starts.count >= perMinute {
                entries[address] = entry
                return .refused(retryAfterSeconds: max(1, Int((entry.starts[0] + 60_000 - now + 999) / 1000)))
            }
            entry.running += 1
            if perMinute != nil { entry.starts.append(now) }
            entries[address] = entry
            if entries.count > 100_000 { AddressBudget.prune(&entries, now: now) }
            return .admitted
        }
    }

    func release(_ address: String) {
        entries.withLock { entries in
            guard var entry = entries[address] else { return }
            entry.running = max(0, entry.running - 1)
            if entry.running == 0 && entry.starts.isEmpty { entries[address] = nil } else { entries[address] = entry }
        }
    }

    /// Keeps memory bounded under an address-spraying flood: forget idle addresses whose minute is over.
    private static func prune(_ entries: inout [String: Entry], now: Int64) {
        entries = entries.filter { _, entry in entry.running > 0 || entry.starts.contains { now - $0 < 60_000 } }
    }
}
