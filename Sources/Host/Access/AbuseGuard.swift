import Foundation
import Locking
import Synchronization

/// Layer 4 — the abuse guard, in memory, sharded so that concurrent requests rarely share a lock
/// and no request ever writes to disk.
///
/// - Burst: more than `burstLimit` requests by one **token** in any `burstWindowSeconds` window
///   → 429 "Suspicious burst detected". Per token, not per address, so rotating IPs does not help.
///   Each token counts its admitted requests in one-second buckets covering the window (so memory
///   depends on the window, not on the limit, and the check is exact to the second). Refused
///   requests are not counted, so a client that backs off gets through as soon as the window allows.
/// - Lockout: more than `failedAuthLimit` failed authentications from one **address** within
///   `lockoutWindowSeconds` → that address is locked out until the window that began with its
///   first counted failure ends ("for the rest of the hour"). Failures during the lockout are not
///   counted towards a new one, so retrying does not extend it. Lockouts are handed to `persistence`
///   when they begin and given back by `restore` at start, so a restart does not lift them.
final class AbuseGuard: Sendable {
    struct Limits: Sendable {
        var burstLimit = 250
        var burstWindowSeconds = 60
        var failedAuthLimit = 10
        var lockoutWindowSeconds = 3600
    }

    let limits: Limits
    /// Where lockouts go when they begin (nil: memory only, as in unit tests).
    let persistence: LockoutPersistence?
    private let shards: [Shard]
    /// Lockouts ever started; while zero, the per-request lockout check needs no lock at all.
    private let lockoutsStarted = Atomic<Int>(0)

    /// One shard's counters. Every request takes one, and one busy token always lands on the same
    /// shard, so it is a Locked (see BlockingLock for why not a Mutex).
    private typealias Shard = Locked<ShardState>
    private struct ShardState {
        var bursts: [String: BurstCounter] = [:]
        var failures: [String: FailureWindow] = [:]
    }

    /// Requests per second over the last `window` seconds; a class so updating it never copies.
    private final class BurstCounter {
        var counts: [Int32]
        var seconds: [Int64]

        init(window: Int) {
            counts = Array(repeating: 0, count: window)
            seconds = Array(repeating: Int64.min, count: window)
        }

        /// Requests admitted in the window ending at `second`, and the oldest second still counted.
        func total(at second: Int64) -> (count: Int, oldest: Int64?) {
            let window = Int64(counts.count)
            var count = 0
            var oldest: Int64?
            for index in 0..<counts.count where seconds[index] > second - window && counts[index] > 0 {
                count += Int(counts[index])
                oldest = min(oldest ?? seconds[index], seconds[index])
            }
            return (count, oldest)
        }

        func add(_ count: Int, at second: Int64) {
            let slot = Int(second % Int64(counts.count))
            if seconds[slot] != second {
                seconds[slot] = second
                counts[slot] = 0
            }
            counts[slot] += Int32(count)
        }
    }

    private struct FailureWindow {
        var windowStart: Int64
        var count: Int
        var lockedUntil: Int64?
    }

    init(limits: Limits, shardCount: Int = 16, persistence: LockoutPersistence? = nil) {
        self.limits = limits
        self.persistence = persistence
        shards = (0..<shardCount).map { _ in Shard(ShardState()) }
    }

    /// Takes back the lockouts of an earlier run that are still running at `now`.
    func restore(_ lockouts: [AddressLockout], now: Int64) {
        for lockout in lockouts where now < lockout.lockedUntilMs {
            shards[shardIndex(for: lockout.address)].withLock { shard in
                shard.failures[lockout.address] = FailureWindow(windowStart: lockout.windowStartMs, count: lockout.failures,
                                                                lockedUntil: lockout.lockedUntilMs)
                lockoutsStarted.add(1, ordering: .releasing)
            }
        }
    }

    private func shardIndex(for key: String) -> Int {
        var hasher = Hasher()
        hasher.combine(key)
        return Int(UInt(bitPattern: hasher.finalize()) % UInt(shards.count))
    }

    /// Records an admitted request by `tokenID`, or returns the denial if it would exceed the burst limit.
    func admitBurst(tokenID: String, now: Int64) -> Denial? {
        admitBurst(tokenID: tokenID, now: now, messages: 1).denial
    }

    /// Records up to `messages` more requests by `tokenID` (the messages of a batch: each counts
    /// like a request of its own); the first `admitted` of them fit under the limit, and the rest
    /// get `denial`, the same a single request over the limit gets.
    func admitBurst(tokenID: String, now: Int64, messages: Int) -> (admitted: Int, denial: Denial?) {
        let second = now / 1000
        let (limit, window) = (limits.burstLimit, limits.burstWindowSeconds)
        let (admitted, retryAfter): (Int, Int?) = shards[shardIndex(for: tokenID)].withLock { shard in
            let counter: BurstCounter
            if let existing = shard.bursts[tokenID] {
                counter = existing
            } else {
                counter = BurstCounter(window: window)
                shard.bursts[tokenID] = counter
            }
            let (count, oldest) = counter.total(at: second)
            let admitted = max(0, min(messages, limit - count))
            if admitted > 0 { counter.add(admitted, at: second) }
            guard admitted < messages else { return (admitted, nil) }
            // The oldest counted second leaves the window first.
            return (admitted, max(1, Int((oldest ?? second) + Int64(window) - second)))
        }
        return (admitted, retryAfter.map(AbuseGuard.burstDenial(retryAfter:)))
    }

    /// Counts a failed authentication from `address`.
    func recordFailedAuthentication(address: String, now: Int64) {
        let window = Int64(limits.lockoutWindowSeconds) * 1000
        let limit = limits.failedAuthLimit
        let lockedOut: FailureWindow? = shards[shardIndex(for: address)].withLock { shard in
            var entry = shard.failures[address] ?? FailureWindow(windowStart: now, count: 0, lockedUntil: nil)
            if let until = entry.lockedUntil, now < until { return nil }  // locked: retrying extends nothing
            if now - entry.windowStart >= window { entry = FailureWindow(windowStart: now, count: 0, lockedUntil: nil) }
            entry.count += 1
            let startsLockout = entry.count > limit
            if startsLockout {
                entry.lockedUntil = entry.windowStart + window
                // Before the shard is unlocked, so no request can see the entry but skip the check.
                lockoutsStarted.add(1, ordering: .releasing)
            }
            shard.failures[address] = entry
            if shard.failures.count > 100_000 { AbuseGuard.prune(&shard, now: now, window: window) }
            return startsLockout ? entry : nil
        }
        if let entry = lockedOut, let until = entry.lockedUntil {
            persistence?.enqueue(AddressLockout(address: address, failures: entry.count, windowStartMs: entry.windowStart, lockedUntilMs: until))
            Log.warning("abuse", "address \(address) locked out after \(entry.count) failed authentications until \(Timestamp.iso8601(millisecondsSinceEpoch: until))")
        }
    }

    /// The lockout denial for `address`, if it is locked out now.
    func lockout(address: String, now: Int64) -> Denial? {
        guard lockoutsStarted.load(ordering: .acquiring) > 0 else { return nil }
        let lockedUntil = shards[shardIndex(for: address)].withLock { $0.failures[address]?.lockedUntil }
        guard let until = lockedUntil, now < until else { return nil }
        var denial = Denial(layer: .abuse, httpStatus: 429, message: "Too many failed authentication attempts from your IP", challenge: nil)
        denial.retryAfterSeconds = max(1, Int((until - now + 999) / 1000))
        return denial
    }

    static func burstDenial(retryAfter: Int) -> Denial {
        var denial = Denial(layer: .abuse, httpStatus: 429, message: "Suspicious burst detected", challenge: nil)
        denial.retryAfterSeconds = retryAfter
        return denial
    }

    /// Keeps memory bounded under an address-spraying attack: forget windows that are over.
    private static func prune(_ shard: inout ShardState, now: Int64, window: Int64) {
        shard.failures = shard.failures.filter { _, entry in
            now - entry.windowStart < window || (entry.lockedUntil.map { now < $0 } ?? false)
        }
    }
}
