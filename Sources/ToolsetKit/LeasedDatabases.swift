import SQLite
import Synchronization

/// One `Database` wrapper per connection the host hands out, so prepared statements survive
/// from call to call: preparing (parsing SQL) costs more than running a simple query.
/// Safe because the host keeps its connections for the life of the process and leases each to
/// one call at a time (header, sections 4–5), and because a connection closed with
/// sqlite3_close_v2 stays allocated while statements exist, so its address cannot be reused.
enum LeasedDatabases {
    private static let kept = Mutex<[Int: Database]>([:])

    /// The kept wrapper for `handle`, or a new one.
    static func lease(_ handle: OpaquePointer) -> Database {
        kept.withLock { wrappers in
            if let existing = wrappers[key(handle)] { return existing }
            let created = Database(borrowing: handle)
            wrappers[key(handle)] = created
            return created
        }
    }

    private static func key(_ handle: OpaquePointer) -> Int { Int(bitPattern: handle) }
}
