import Foundation
import JSON

/// Deployer configuration: `<data>/toolhost.json`, or the file named by `TOOLHOST_CONFIG`.
/// Everything is optional; defaults follow the product's documented behaviour.
///
///     {
///       "plans": {"tiers": ["starter", "growth", "pro", "custom"], "named": {"enterprise": "pro"},
///                 "upgrade_url": "https://example.com/pricing", "new_tenant_trial": {"plan": "enterprise", "days": 7}},
///       "abuse": {"burst_limit": 250, "burst_window_seconds": 60,
///                 "failed_auth_limit": 10, "lockout_window_seconds": 3600},
///       "audit": {"record_arguments": false},
///       "oauth": {"access_token_seconds": 3600, "refresh_token_days": 30,
///                 "allow_loopback_client_metadata": false},
///       "toolsets": {"scheduling": {"max_concurrent_calls": 2, "max_queued_calls": 50,
///                                   "call_timeout_seconds": 10}},
///       "connections": {"max": 16384, "max_per_address": 256, "first_byte_timeout_seconds": 10}
///     }
struct Configuration: Sendable {
    var plans = PlanCatalog.standard
    var abuse = AbuseGuard.Limits()
    /// Store tool arguments (with credential-looking values redacted) in the audit trail.
    /// Off by default: only a digest of the arguments is kept.
    var recordArguments = false
    var oauth = OAuthSettings()
    /// Per toolset: concurrency cap, queue bound and call deadline (Configuration+Toolsets.swift).
    var toolsets: [String: ToolsetCallSettings] = [:]
    /// Batch and session bounds (Configuration+MCP.swift).
    var mcp = MCPSettings()
    /// HTTP connection limits (Configuration+Connections.swift); the environment overrides them in `serve`.
    var connections = ConnectionSettings()
    /// The budget of unauthenticated work (Configuration+PreAuth.swift).
    var preAuth = PreAuthLimits()

    static func load(dataDirectory: String) throws -> Configuration {
        let path = ProcessInfo.processInfo.environment["TOOLHOST_CONFIG"] ?? dataDirectory + "/toolhost.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            if ProcessInfo.processInfo.environment["TOOLHOST_CONFIG"] != nil {
                throw ConfigurationError("cannot read configuration file \(path)")
            }
            return Configuration()
        }
        let root: JSONValue
        do { root = try JSONParser.parse([UInt8](data)) } catch {
            throw ConfigurationError("configuration file \(path) is not valid JSON: \(error)")
        }
        guard case .object = root else { throw ConfigurationError("configuration file \(path) must hold a JSON object") }
        var configuration = Configuration()
        configuration.plans = try PlanCatalog(configuration: root["plans"])
        if let abuse = root["abuse"] {
            func positive(_ key: String, _ fallback: Int, max: Int = Int(Int32.max)) throws -> Int {
                guard let value = abuse[key] else { return fallback }
                guard let number = value.intValue, number > 0, number <= max else {
                    throw ConfigurationError("abuse.\(key) must be an integer from 1 to \(max)")
                }
                return Int(number)
            }
            configuration.abuse = AbuseGuard.Limits(
                burstLimit: try positive("burst_limit", 250), burstWindowSeconds: try positive("burst_window_seconds", 60, max: 86_400),
                failedAuthLimit: try positive("failed_auth_limit", 10), lockoutWindowSeconds: try positive("lockout_window_seconds", 3600))
        }
        if let oauth = root["oauth"] {
            func positive(_ key: String, _ fallback: Int, max: Int) throws -> Int {
                guard let value = oauth[key] else { return fallback }
                guard let number = value.intValue, number > 0, number <= max else {
                    throw ConfigurationError("oauth.\(key) must be an integer from 1 to \(max)")
                }
                return Int(number)
            }
            configuration.oauth = OAuthSettings(accessTokenSeconds: try positive("access_token_seconds", 3600, max: 86_400),
                                                refreshTokenDays: try positive("refresh_token_days", 30, max: 3650))
            if let allow = oauth["allow_loopback_client_metadata"] {
                guard let flag = allow.boolValue else { throw ConfigurationError("oauth.allow_loopback_client_metadata must be true or false") }
                configuration.oauth.allowLoopbackClientMetadata = flag
            }
        }
        configuration.recordArguments = root["audit"]?["record_arguments"]?.boolValue ?? false
        configuration.toolsets = try ToolsetCallSettings.parseSection(root["toolsets"])
        configuration.mcp = try MCPSettings(section: root["mcp"])
        configuration.connections = try ConnectionSettings(file: root["connections"])
        configuration.preAuth = try PreAuthLimits.parseSection(root["pre_auth"])
        return configuration
    }
}

/// OAuth token lifetimes: short-lived access tokens, refresh tokens rotated on every use.
struct OAuthSettings: Sendable {
    var accessTokenSeconds = 3600
    var refreshTokenDays = 30
    /// Development only: accept client metadata documents served from loopback
    /// (`http://127.0.0.1:PORT/…`, `http://localhost:PORT/…`). Off by default.
    var allowLoopbackClientMetadata = false
}
