import Glibc
import Locking

/// Tells the request path, cheaply, whether anyone changed `host.db` since it last looked.
///
/// Why not ask SQLite every time (`PRAGMA data_version`): that opens a read transaction, and in
/// WAL mode every read transaction costs several fcntl() lock syscalls — measured at ~17% of a
/// request's CPU time. Instead the kernel tells us: an inotify watch on the data folder reports
/// every write to host.db and its WAL, by this process or by `toolhost token revoke` in another.
/// The request path does one non-blocking read() on that descriptor; only when something changed
/// do the per-connection caches get dropped. A revocation is therefore seen on the very next
/// request, without a database read per request.
final class HostDatabaseWatcher: Sendable {
    private let descriptor: Int32
    /// Every request's check makes a read() while holding this lock, so it is a Locked (see
    /// BlockingLock for why not a Mutex). Held across the read on purpose: a request that starts
    /// after a change must see it, even while another thread is still consuming that change's event.
    private let state = Locked<(generation: UInt64, buffer: [UInt8])>((1, [UInt8](repeating: 0, count: 4096)))

    /// nil when inotify is unavailable; callers then fall back to asking SQLite.
    init?(dataDirectory: String) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        let mask = UInt32(IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE)
        guard inotify_add_watch(fd, dataDirectory, mask) >= 0 else {
            close(fd)
            return nil
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// A number that changes whenever host.db (or its -wal/-shm) was written since the last call.
    func currentGeneration() -> UInt64 {
        state.withLock { state in
            while true {
                let count = state.buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                guard count > 0 else { break }  // EAGAIN: nothing new
                if HostDatabaseWatcher.containsHostDatabaseEvent(state.buffer, count) { state.generation &+= 1 }
            }
            return state.generation
        }
    }

    private static func containsHostDatabaseEvent(_ buffer: [UInt8], _ count: Int) -> Bool {
        var offset = 0
        var relevant = false
        buffer.withUnsafeBytes { bytes in
            while offset + MemoryLayout<inotify_event>.size <= count {
                let nameLength = Int(bytes.load(fromByteOffset: offset + 12, as: UInt32.self))
                let nameStart = offset + MemoryLayout<inotify_event>.size
                if nameLength > 0 {
                    let name = bytes[nameStart..<min(nameStart + nameLength, count)]
                    // "host.db", "host.db-wal", "host.db-shm", "host.db-journal"
                    if name.starts(with: "host.db".utf8) { relevant = true }
                } else {
                    relevant = true  // the folder itself changed (or the queue overflowed): be safe
                }
                offset = nameStart + nameLength
            }
        }
        return relevant
    }
}
