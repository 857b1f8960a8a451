import JSON

/// Removes anything that looks like a credential from arguments before they are stored in the
/// audit trail (only when the deployer turned `audit.record_arguments` on; by default only a
/// digest is kept). Errs on the side of redacting: an audit trail must never become a place
/// where secrets leak.
enum Redaction {
    static let placeholder: JSONValue = "[redacted]"

    private static let sensitiveKeyFragments = ["password", "passwd", "secret", "token", "apikey", "api_key", "api-key",
                                                "authorization", "auth", "credential", "private_key", "privatekey", "session", "cookie", "signature"]
    private static let credentialPrefixes = ["thp_", "ghp_", "gho_", "ghs_", "github_pat_", "glpat-", "sk-", "sk_live_", "rk_live_",
                                             "xoxb-", "xoxp-", "AKIA", "ASIA", "Bearer ", "bearer ", "Basic ", "-----BEGIN"]

    static func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            return .object(JSONObject(object.members.map { member in
                (member.key, isSensitiveKey(member.key) ? placeholder : redact(member.value))
            }))
        case .array(let elements):
            return .array(elements.map(redact))
        case .string(let text):
            return looksLikeCredential(text) ? placeholder : value
        default:
            return value
        }
    }

    static func isSensitiveKey(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return sensitiveKeyFragments.contains { lowered.contains($0) }
    }

    /// Known token formats, JWTs, and long unbroken strings mixing letters and digits.
    static func looksLikeCredential(_ text: String) -> Bool {
        if credentialPrefixes.contains(where: { text.hasPrefix($0) }) { return true }
        let utf8 = text.utf8
        if text.hasPrefix("eyJ") && utf8.filter({ $0 == UInt8(ascii: ".") }).count == 2 { return true }
        guard utf8.count >= 32, !utf8.contains(UInt8(ascii: " ")) else { return false }
        let hasUpper = utf8.contains { $0 >= 0x41 && $0 <= 0x5A }
        let hasLower = utf8.contains { $0 >= 0x61 && $0 <= 0x7A }
        let hasDigit = utf8.contains { $0 >= 0x30 && $0 <= 0x39 }
        return hasDigit && (hasUpper || hasLower) && !text.contains("/") && !text.contains("@")
    }
}
