import Foundation

/// Layer 4 — the abuse guard, in memory, sharded so that concurrent requests rarely share a lock
/// and no request ever writes to disk.
///
/// - Burst: more than `burstLimit` requests by one **token** in any `burstWindowSeconds` window
///   → 429 "Suspicious burst detected". Per token, not per address, so rotating IPs does not help.
///   Each token keeps the times of its last `burstLimit` admitted requests in a ring; the request
///   is refused when the oldest of them is still inside the window. Refused requests are not
///   recorded, so a client that backs off gets through as soon as the window allows.
/// - Lockout: more than `failedAuthLimit` failed authentications from one **address** within
///   `lockoutWindowSeconds` → that address is locked out until the window that began with its
///   first counted failure ends ("for the rest of the hour"). Failures during the lockout are not
///   counted towards a new one, so retrying does not extend it.
final class AbuseGuard: @unchecked Sendable {
    struct Limits: Sendable {
        var burstLimit = 250
        var burstWindowSeconds = 60
        var failedAuthLimit = 10
        var lockoutWindowSeconds = 3600
    }

    let limits: Limits
    private let shards: [Shard]

    private final class Shard {
        let lock = NSLock()
        var bursts: [String: BurstRing] = [:]
        var failures: [String: FailureWindow] = [:]
    }

    private struct BurstRing {
        var times: [Int64]
        var next = 0
    }

    private struct FailureWindow {
        var windowStart: Int64
        var count: Int
        var lockedUntil: Int64?
    }

    init(limits: Limits, shardCount: Int = 16) {
        self.limits = limits
        shards = (0..<shardCount).map { _ in Shard() }
    }

    private func shard(for key: String) -> Shard {
        var hasher = Hasher()
        hasher.combine(key)
        return shards[Int(UInt(bitPattern: hasher.finalize()) % UInt(shards.count))]
    }

    /// Records an admitted request by `tokenID`, or returns the denial if it would exceed the burst limit.
    func admitBurst(tokenID: String, now: Int64) -> Denial? {
        let shard = shard(for: tokenID)
        let window = Int64(limits.burstWindowSeconds) * 1000
        shard.lock.lock()
        defer { shard.lock.unlock() }
        var ring = shard.bursts[tokenID] ?? BurstRing(times: Array(repeating: Int64.min, count: limits.burstLimit))
        let oldest = ring.times[ring.next]
        if oldest != Int64.min && now - oldest < window {
            let retry = Int((oldest + window - now + 999) / 1000)
            return AbuseGuard.burstDenial(retryAfter: max(1, retry))
        }
        ring.times[ring.next] = now
        ring.next = (ring.next + 1) % ring.times.count
        shard.bursts[tokenID] = ring
        return nil
    }

    /// Counts a failed authentication from `address`.
    func recordFailedAuthentication(address: String, now: Int64) {
        let shard = shard(for: address)
        let window = Int64(limits.lockoutWindowSeconds) * 1000
        shard.lock.lock()
        defer { shard.lock.unlock() }
        var entry = shard.failures[address] ?? FailureWindow(windowStart: now, count: 0, lockedUntil: nil)
        if let until = entry.lockedUntil, now < until { return }  // locked: retrying extends nothing
        if now - entry.windowStart >= window { entry = FailureWindow(windowStart: now, count: 0, lockedUntil: nil) }
        entry.count += 1
        if entry.count > limits.failedAuthLimit {
            entry.lockedUntil = entry.windowStart + window
            Log.warning("abuse", "address \(address) locked out after \(entry.count) failed authentications until \(Timestamp.iso8601(millisecondsSinceEpoch: entry.windowStart + window))")
        }
        shard.failures[address] = entry
        if shard.failures.count > 100_000 { prune(shard, now: now, window: window) }
    }

    /// The lockout denial for `address`, if it is locked out now.
    func lockout(address: String, now: Int64) -> Denial? {
        let shard = shard(for: address)
        shard.lock.lock()
        defer { shard.lock.unlock() }
        guard let until = shard.failures[address]?.lockedUntil, now < until else { return nil }
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
    private func prune(_ shard: Shard, now: Int64, window: Int64) {
        shard.failures = shard.failures.filter { _, entry in
            now - entry.windowStart < window || (entry.lockedUntil.map { now < $0 } ?? false)
        }
    }
}
