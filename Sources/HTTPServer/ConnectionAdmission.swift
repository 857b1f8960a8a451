// Whether a freshly accepted connection may stay: the global cap, then the per-address cap.

/// Why a connection was, or was not, admitted.
enum Admission: Equatable {
    case admitted
    /// `maxConnections` reached (all addresses together).
    case serverFull
    /// `maxConnectionsPerAddress` reached for this peer.
    case addressFull
}

/// Both caps, shared by every loop of one server. A connection that is admitted holds one slot
/// of each until `release`; a refused one holds none.
final class ConnectionAdmission: Sendable {
    private let global: ConnectionCounter
    private let perAddress: PerAddressConnectionCounter

    init(limit: Int, perAddressLimit: Int) {
        global = ConnectionCounter(limit: limit)
        perAddress = PerAddressConnectionCounter(limit: perAddressLimit)
    }

    /// The global counter first: it is an atomic, so a full server never takes the lock.
    func admit(_ address: String) -> Admission {
        guard global.tryAcquire() else { return .serverFull }
        guard perAddress.tryAcquire(address) else {
            global.release()
            return .addressFull
        }
        return .admitted
    }

    func release(_ address: String) {
        perAddress.release(address)
        global.release()
    }

    /// Connections currently admitted and open.
    var current: Int { global.current }

    func count(for address: String) -> Int { perAddress.count(for: address) }
}
