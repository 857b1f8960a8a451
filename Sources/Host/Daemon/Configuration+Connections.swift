import HTTPServer
import JSON

/// The HTTP server's connection limits. From the `"connections"` object of toolhost.json,
/// then the environment, which wins (so one deployment can be adjusted without editing the file):
///
///     "connections": {"max": 16384, "max_per_address": 256, "first_byte_timeout_seconds": 10}
///
///     TOOLHOST_MAX_CONNECTIONS, TOOLHOST_MAX_CONNECTIONS_PER_ADDRESS, TOOLHOST_FIRST_BYTE_TIMEOUT
///
/// The per-address cap counts TCP peers: behind a reverse proxy every connection comes from the
/// proxy, so raise it there (or leave per-client limits to the proxy).
struct ConnectionSettings: Sendable, Equatable {
    /// Open connections, all addresses together.
    var maxConnections = 16_384
    /// Open connections from one peer address.
    var maxConnectionsPerAddress = 256
    /// How long a new connection may stay silent before it is closed; may be fractional.
    var firstByteTimeoutSeconds = 10.0

    static let connectionRange = 1...1_000_000
    static let firstByteRange = 0.001...3600.0

    init() {}

    /// The `"connections"` object of toolhost.json (absent → defaults).
    init(file value: JSONValue?) throws {
        guard let value else { return }
        guard value.objectValue != nil else { throw ConfigurationError("connections must be an object") }
        if let max = value["max"] {
            maxConnections = try Self.count(max.intValue, name: "connections.max")
        }
        if let perAddress = value["max_per_address"] {
            maxConnectionsPerAddress = try Self.count(perAddress.intValue, name: "connections.max_per_address")
        }
        if let firstByte = value["first_byte_timeout_seconds"] {
            firstByteTimeoutSeconds = try Self.seconds(firstByte.doubleValue, name: "connections.first_byte_timeout_seconds")
        }
    }

    /// These settings with any of the three environment variables applied over them.
    func overridden(by environment: [String: String]) throws -> ConnectionSettings {
        var settings = self
        if let text = environment["TOOLHOST_MAX_CONNECTIONS"] {
            settings.maxConnections = try Self.count(Int64(text), name: "TOOLHOST_MAX_CONNECTIONS")
        }
        if let text = environment["TOOLHOST_MAX_CONNECTIONS_PER_ADDRESS"] {
            settings.maxConnectionsPerAddress = try Self.count(Int64(text), name: "TOOLHOST_MAX_CONNECTIONS_PER_ADDRESS")
        }
        if let text = environment["TOOLHOST_FIRST_BYTE_TIMEOUT"] {
            settings.firstByteTimeoutSeconds = try Self.seconds(Double(text), name: "TOOLHOST_FIRST_BYTE_TIMEOUT")
        }
        return settings
    }

    func apply(to configuration: inout HTTPServer.Configuration) {
        configuration.maxConnections = maxConnections
        configuration.maxConnectionsPerAddress = maxConnectionsPerAddress
        configuration.firstByteTimeoutSeconds = firstByteTimeoutSeconds
    }

    private static func count(_ value: Int64?, name: String) throws -> Int {
        guard let value, connectionRange.contains(Int(value)) else {
            throw ConfigurationError("\(name) must be an integer from \(connectionRange.lowerBound) to \(connectionRange.upperBound)")
        }
        return Int(value)
    }

    private static func seconds(_ value: Double?, name: String) throws -> Double {
        guard let value, value.isFinite, firstByteRange.contains(value) else {
            throw ConfigurationError("\(name) must be a number of seconds from \(firstByteRange.lowerBound) to \(Int(firstByteRange.upperBound)), such as 10 or 0.5")
        }
        return value
    }
}
