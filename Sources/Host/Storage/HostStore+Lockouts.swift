import SQLite

/// host.db's copy of the abuse guard's lockouts (address_lockouts), read once at start and written
/// when a lockout begins, never per request.
extension HostStore {
    /// The lockouts still running at `now`; finished ones are deleted on the way.
    func activeLockouts(now: Int64) throws -> [AddressLockout] {
        try database.run("DELETE FROM address_lockouts WHERE locked_until_ms <= ?", [.int(now)])
        return try database.query("SELECT address, failures, window_start_ms, locked_until_ms FROM address_lockouts") { row in
            AddressLockout(address: row.string(0), failures: row.int(1), windowStartMs: row.int64(2), lockedUntilMs: row.int64(3))
        }
    }

    func rememberLockouts(_ lockouts: [AddressLockout]) throws {
        guard !lockouts.isEmpty else { return }
        try database.transaction {
            for lockout in lockouts {
                try database.run(
                    "INSERT OR REPLACE INTO address_lockouts (address, failures, window_start_ms, locked_until_ms) VALUES (?, ?, ?, ?)",
                    [.text(lockout.address), .int(Int64(lockout.failures)), .int(lockout.windowStartMs), .int(lockout.lockedUntilMs)])
            }
        }
    }
}
