import Foundation

/// The `serve` settings read straight from the environment, each checked so that a typo stops the
/// start with a message naming the variable, instead of silently meaning something else (a worker
/// count of "four" used to fall back to 4; a trusted proxy "10.0.0.0/8" never matched anyone).
enum ServeEnvironment {
    /// `TOOLHOST_TOOL_THREADS`: workers that run tool calls, 0–256 (0 runs them on the event loops); default 4.
    static func toolThreads(_ environment: [String: String]) throws -> Int {
        try integer(environment, "TOOLHOST_TOOL_THREADS", range: 0...256) ?? 4
    }

    /// `TOOLHOST_THREADS`: event loops, 1–64; nil keeps the server's default.
    static func loopThreads(_ environment: [String: String]) throws -> Int? {
        try integer(environment, "TOOLHOST_THREADS", range: 1...64)
    }

    /// `TOOLHOST_TRUSTED_PROXIES`: comma-separated IPv4/IPv6 addresses (no ranges: each proxy is
    /// named, so a mistake cannot trust a whole network).
    static func trustedProxies(_ environment: [String: String]) throws -> [String] {
        let entries = (environment["TOOLHOST_TRUSTED_PROXIES"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for entry in entries where ClientAddress.canonical(entry) == nil {
            throw ConfigurationError("TOOLHOST_TRUSTED_PROXIES must list IP addresses separated by commas; \"\(entry)\" is not one (ranges such as 10.0.0.0/8 are not accepted: name each proxy)")
        }
        return entries
    }

    private static func integer(_ environment: [String: String], _ name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let text = environment[name] else { return nil }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw ConfigurationError("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound), not \"\(text)\"")
        }
        return value
    }
}
