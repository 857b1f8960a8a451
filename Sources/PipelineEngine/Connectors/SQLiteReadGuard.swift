import CSQLite
import Glibc

// What keeps an agent's where_clause on the read connection harmless. The connection is already
// opened read-only; the authorizer also refuses, at prepare time, everything that is not a plain
// SELECT (ATTACH could open another file, PRAGMA could change settings, load_extension could load
// code), and the progress handler interrupts a query that runs past its time limit.

final class SQLiteReadGuard {
    /// Why the authorizer last refused something, for a clear error instead of "not authorized".
    private(set) var refusal: String?
    /// True while the connector's own metadata queries are prepared (pragma_table_info needs PRAGMA).
    private var trusted = false
    /// Monotonic nanoseconds after which the running statement is interrupted; nil = no limit.
    var deadline: UInt64?

    /// Functions refused even inside a SELECT: loading code, and the FTS3 tokenizer hook that has
    /// been used to turn SQL into memory access.
    static let refusedFunctions: Set<String> = ["load_extension", "fts3_tokenizer"]

    func install(on handle: OpaquePointer) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_set_authorizer(handle, { context, action, first, second, _, _ in
            let guardian = Unmanaged<SQLiteReadGuard>.fromOpaque(context!).takeUnretainedValue()
            return guardian.authorize(action, first.map { String(cString: $0) }, second.map { String(cString: $0) })
        }, context)
        // Checked every 1000 virtual-machine steps: often enough to stop within milliseconds.
        sqlite3_progress_handler(handle, 1000, { context in
            let guardian = Unmanaged<SQLiteReadGuard>.fromOpaque(context!).takeUnretainedValue()
            guard let deadline = guardian.deadline else { return 0 }
            return SQLiteReadGuard.now() > deadline ? 1 : 0
        }, context)
    }

    /// Runs `body` (the connector's own queries) with the authorizer relaxed.
    func trusting<T>(_ body: () throws -> T) rethrows -> T {
        trusted = true
        defer { trusted = false }
        return try body()
    }

    func resetRefusal() { refusal = nil }

    private func authorize(_ action: Int32, _ first: String?, _ second: String?) -> Int32 {
        if trusted { return SQLITE_OK }
        switch action {
        // SQLITE_RECURSIVE: a WITH RECURSIVE is still a plain read.
        case SQLITE_SELECT, SQLITE_READ, SQLITE_RECURSIVE:
            return SQLITE_OK
        case SQLITE_FUNCTION:
            let name = (second ?? "").lowercased()
            if SQLiteReadGuard.refusedFunctions.contains(name) {
                refusal = "the function \(name) is not allowed in a read"
                return SQLITE_DENY
            }
            return SQLITE_OK
        default:
            refusal = "\(SQLiteReadGuard.describe(action, first)) is not allowed in a read"
            return SQLITE_DENY
        }
    }

    private static func describe(_ action: Int32, _ first: String?) -> String {
        switch action {
        case SQLITE_ATTACH: "ATTACH"
        case SQLITE_DETACH: "DETACH"
        case SQLITE_PRAGMA: "PRAGMA \(first ?? "")".trimmingSpaces.description
        case SQLITE_INSERT: "INSERT"
        case SQLITE_UPDATE: "UPDATE"
        case SQLITE_DELETE: "DELETE"
        case SQLITE_TRANSACTION: "a transaction statement"
        case SQLITE_SAVEPOINT: "SAVEPOINT"
        default: "this kind of statement (SQLite authorizer action \(action))"
        }
    }

    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
