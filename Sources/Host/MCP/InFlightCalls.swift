import JSON
import Locking

/// The tool calls in flight, by who sent them and under which id, so that a
/// `notifications/cancelled` — a separate message, a separate POST — finds the call it names.
/// A cancel matches only the same token, the same handshake-era session (none in 2026-07-28 and
/// on stdio) and the same request id: nobody can cancel another client's calls.
///
/// On the tools/call hot path (an insert and a removal per call), so it is split into shards, each
/// a dictionary behind its own pthread lock (Locked): calls on different shards never contend.
/// Bounded: a shard that is full registers nothing more (those calls just cannot be cancelled by
/// message; their deadline still applies). The scheduler's queue bounds keep it far below that.
final class InFlightCalls: Sendable {
    struct Key: Hashable, Sendable {
        let token: String
        let session: String
        let id: RequestID
    }

    /// A JSON-RPC id as the dispatcher accepts it (RPCMessage.echoableID): a string or an integer.
    enum RequestID: Hashable, Sendable {
        case int(Int64)
        case string(String)

        init?(_ value: JSONValue?) {
            switch value {
            case .int(let number)?: self = .int(number)
            case .string(let text)?: self = .string(text)
            default: return nil
            }
        }
    }

    /// Where a call is registered: the key hashed once, for the insert and the removal.
    struct Registration: Sendable {
        let registry: InFlightCalls
        let key: Key
        let shard: Int

        init(registry: InFlightCalls, key: Key) {
            self.registry = registry
            self.key = key
            shard = InFlightCalls.shardIndex(key)
        }
    }

    static let shardCount = 16
    static let maxPerShard = 4096

    private let shards: [Locked<[Key: CallControl]>]

    init() {
        shards = (0..<InFlightCalls.shardCount).map { _ in Locked([:]) }
    }

    private static func shardIndex(_ key: Key) -> Int {
        Int(UInt(bitPattern: key.id.hashValue) % UInt(InFlightCalls.shardCount))
    }

    private func shard(_ key: Key) -> Locked<[Key: CallControl]> { shards[InFlightCalls.shardIndex(key)] }

    func insert(_ control: CallControl, at registration: Registration) {
        shards[registration.shard].withLock { calls in
            guard calls.count < InFlightCalls.maxPerShard else { return }
            calls[registration.key] = control   // a reused id (a client bug) makes the newest call the one cancelled
        }
    }

    /// Removes `control` only: a newer call under the same key stays registered.
    func remove(_ control: CallControl, at registration: Registration) {
        shards[registration.shard].withLock { calls in
            if let index = calls.index(forKey: registration.key), calls.values[index] === control { calls.remove(at: index) }
        }
    }

    /// Cancels the call registered under `key`; false when there is none (finished, unknown: the
    /// spec says to ignore those).
    @discardableResult
    func cancel(_ key: Key) -> Bool {
        guard let control = shard(key).withLock({ $0[key] }) else { return false }
        control.cancel(.client)
        return true
    }

    var count: Int { shards.reduce(0) { total, shard in total + shard.withLock { $0.count } } }
}
