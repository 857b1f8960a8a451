import Foundation

/// Hands out one resource (a database connection) per concurrent user and takes it back; a
/// connection is never used by two threads at once. With `maxSize`, a user waits for a free one
/// instead of opening more.
///
/// @unchecked: `idle` and `created` are guarded by `condition`, an NSCondition because a user
/// waits on it for a free resource (Mutex has no wait).
final class ConnectionPool<Resource>: @unchecked Sendable {
    private let condition = NSCondition()
    private var idle: [Resource] = []
    private var created = 0
    private let maxSize: Int
    private let make: () throws -> Resource

    init(maxSize: Int = .max, make: @escaping () throws -> Resource) {
        self.maxSize = maxSize
        self.make = make
    }

    func withResource<T>(_ body: (Resource) throws -> T) throws -> T {
        let resource = try lease()
        defer { giveBack(resource) }
        return try body(resource)
    }

    private func lease() throws -> Resource {
        condition.lock()
        while idle.isEmpty && created >= maxSize { condition.wait() }
        if let resource = idle.popLast() {
            condition.unlock()
            return resource
        }
        created += 1
        condition.unlock()
        do {
            return try make()
        } catch {
            condition.lock()
            created -= 1
            condition.signal()
            condition.unlock()
            throw error
        }
    }

    private func giveBack(_ resource: Resource) {
        condition.lock()
        idle.append(resource)
        condition.signal()
        condition.unlock()
    }

    /// Drops every idle resource (closing connections) — used at shutdown.
    func drain() {
        condition.lock()
        created -= idle.count
        idle.removeAll()
        condition.unlock()
    }
}
