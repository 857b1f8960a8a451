import Foundation

/// Hands out one resource (a database connection) per concurrent user and takes it back.
/// Leasing is a lock and an array pop, so a request never waits on I/O to get a connection,
/// and a connection is never used by two threads at once.
final class ConnectionPool<Resource>: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [Resource] = []
    private let make: () throws -> Resource

    init(make: @escaping () throws -> Resource) { self.make = make }

    func withResource<T>(_ body: (Resource) throws -> T) throws -> T {
        let resource = try lease()
        defer { giveBack(resource) }
        return try body(resource)
    }

    private func lease() throws -> Resource {
        lock.lock()
        if let resource = idle.popLast() {
            lock.unlock()
            return resource
        }
        lock.unlock()
        return try make()
    }

    private func giveBack(_ resource: Resource) {
        lock.lock()
        idle.append(resource)
        lock.unlock()
    }

    /// Drops every idle resource (closing connections) — used at shutdown.
    func drain() {
        lock.lock()
        idle.removeAll()
        lock.unlock()
    }
}
