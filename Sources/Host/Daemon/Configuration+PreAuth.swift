import JSON

/// `toolhost.json` → `"pre_auth": {…}`: the budget of work done for clients that have not
/// authenticated yet (the OAuth pages, sign-in's scrypt, client metadata fetches). It is separate
/// from the tool-call workers so that no amount of it can take what authenticated calls need.
///
///     "pre_auth": {"threads": 2, "queue": 64, "sign_ins_per_address": 1, "sign_ins_per_minute": 20,
///                  "metadata_fetches": 2, "metadata_fetches_per_address": 1, "metadata_fetch_queue": 16}
struct PreAuthLimits: Sendable, Equatable {
    /// Threads that run the OAuth pages, at a lower CPU priority than everything else.
    var threads = 2
    /// Pages that may wait for one of them; more → 503 with Retry-After.
    var queue = 64
    /// Sign-ins (one scrypt each) one address may have running or waiting at once.
    var signInsPerAddress = 1
    /// Sign-ins one address may start per minute, failed or not (the lockout counts failures only).
    var signInsPerMinute = 20
    /// Metadata documents fetched at once, host-wide: the fetch threads. Few: a fetch that waits
    /// costs no thread of ours, but Foundation's URLSession polls busily while a response is
    /// outstanding (measured: thousands of poll calls a second per hung fetch), so each costs CPU.
    var metadataFetches = 2
    /// Metadata fetches one address may have running or waiting at once.
    var metadataFetchesPerAddress = 1
    /// Fetches that may wait for a fetch thread; more → 503 with Retry-After.
    var metadataFetchQueue = 16

    /// A computed list: key paths are not Sendable, so it cannot be a `static let`.
    private static var keys: [(String, ClosedRange<Int>, WritableKeyPath<PreAuthLimits, Int>)] { [
        ("threads", 1...64, \.threads), ("queue", 0...100_000, \.queue),
        ("sign_ins_per_address", 1...1024, \.signInsPerAddress), ("sign_ins_per_minute", 1...1_000_000, \.signInsPerMinute),
        ("metadata_fetches", 1...256, \.metadataFetches), ("metadata_fetches_per_address", 1...256, \.metadataFetchesPerAddress),
        ("metadata_fetch_queue", 0...100_000, \.metadataFetchQueue),
    ] }

    /// Unknown keys are refused, so that a typo does not silently leave the defaults in place.
    static func parseSection(_ section: JSONValue?) throws -> PreAuthLimits {
        var limits = PreAuthLimits()
        guard let section else { return limits }
        let known = keys.map(\.0)
        guard case .object(let object) = section else { throw ConfigurationError("pre_auth must be an object with any of \(known.joined(separator: ", "))") }
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            throw ConfigurationError("pre_auth has no setting \(unknown) (known: \(known.joined(separator: ", ")))")
        }
        for (key, range, path) in keys {
            guard let value = object[key] else { continue }
            guard let number = value.intValue, range.contains(Int(number)) else {
                throw ConfigurationError("pre_auth.\(key) must be an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            limits[keyPath: path] = Int(number)
        }
        return limits
    }
}
