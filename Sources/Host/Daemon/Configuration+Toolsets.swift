import JSON

/// `toolhost.json` → `"toolsets": {"<toolset>": {…}}`: how the calls into one toolset are scheduled.
/// Every key is optional; what is left out takes the daemon's default (CallLimits).
///
///     "toolsets": {"scheduling": {"max_concurrent_calls": 2, "max_queued_calls": 50, "call_timeout_seconds": 10}}
struct ToolsetCallSettings: Sendable, Equatable {
    var maxConcurrentCalls: Int?
    var maxQueuedCalls: Int?
    var callTimeoutSeconds: Int?

    /// The accepted values, shared with the environment variables that set the defaults.
    static let concurrencyRange = 1...1024
    static let queueRange = 0...100_000
    static let timeoutRange = 1...86_400

    private static let keys = ["call_timeout_seconds", "max_concurrent_calls", "max_queued_calls"]

    /// Parses the `toolsets` section; unknown keys are refused so that a typo does not silently
    /// leave a toolset on the defaults. Toolsets that are not loaded are accepted (a plugin may be
    /// installed later); the daemon logs them at start.
    static func parseSection(_ section: JSONValue?) throws -> [String: ToolsetCallSettings] {
        guard let section else { return [:] }
        guard case .object(let toolsets) = section else {
            throw ConfigurationError("toolsets must be an object of toolset names, such as {\"scheduling\": {\"max_concurrent_calls\": 2}}")
        }
        var parsed: [String: ToolsetCallSettings] = [:]
        for (name, entry) in toolsets.members {
            parsed[name] = try parseEntry(entry, path: "toolsets.\(name)")
        }
        return parsed
    }

    private static func parseEntry(_ entry: JSONValue, path: String) throws -> ToolsetCallSettings {
        guard case .object(let object) = entry else {
            throw ConfigurationError("\(path) must be an object with any of \(keys.joined(separator: ", "))")
        }
        if let unknown = object.keys.first(where: { !keys.contains($0) }) {
            throw ConfigurationError("\(path) has no setting \(unknown) (known: \(keys.joined(separator: ", ")))")
        }
        func integer(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let value = object[key] else { return nil }
            guard let number = value.intValue, range.contains(Int(number)) else {
                throw ConfigurationError("\(path).\(key) must be an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return Int(number)
        }
        return ToolsetCallSettings(maxConcurrentCalls: try integer("max_concurrent_calls", concurrencyRange),
                                   maxQueuedCalls: try integer("max_queued_calls", queueRange),
                                   callTimeoutSeconds: try integer("call_timeout_seconds", timeoutRange))
    }
}
