import SQLite

/// A plugin's migrations, tried at load on a scratch in-memory database. Without this a typo in
/// migration SQL only shows at each tenant's first call, and every call of that tenant then fails;
/// with it the plugin is refused at start-up with SQLite's own message.
enum MigrationCheck {
    /// The refusal reason for the first migration that fails on an empty database, or nil.
    static func firstFailure(_ migrations: [String]) -> String? {
        guard !migrations.isEmpty else { return nil }
        let scratch: Database
        do { scratch = try Database(path: ":memory:") } catch { return nil }  // cannot check: the first real use will say
        for (index, sql) in migrations.enumerated() {
            do {
                try scratch.transaction { try scratch.execute(sql) }
            } catch let error as DatabaseError {
                return "migration \(index + 1) fails on an empty database: \(error.message)"
            } catch {
                return "migration \(index + 1) fails on an empty database: \(error)"
            }
        }
        return nil
    }
}
