import JSON

/// Removes anything that looks like a credential from arguments before they are stored in the
/// audit trail (only when the deployer turned `audit.record_arguments` on; by default only a
/// digest is kept). Errs on the side of redacting: an audit trail must never become a place
/// where secrets leak.
///
/// Three places a secret hides, all handled:
/// - under a key that names one (`{"api_key": …}`): the whole value goes;
/// - a string that is one (`"thp_…"`, a JWT, a long random-looking string): the whole string goes;
/// - inside prose or a URL (`"please use thp_… here"`, `"https://x/cb?access_token=…&state=1"`,
///   `"Authorization: Bearer …"`): just that word goes, the rest of the text stays readable.
enum Redaction {
    static let placeholder: JSONValue = .string(marker)
    static let marker = "[redacted]"

    private static let sensitiveKeyFragments = ["password", "passwd", "secret", "token", "apikey", "api_key", "api-key",
                                                "authorization", "auth", "credential", "private_key", "privatekey", "session", "cookie", "signature"]
    private static let credentialPrefixes = ["thp_", "tha_", "thr_", "ghp_", "gho_", "ghs_", "github_pat_", "glpat-", "sk-", "sk_live_",
                                             "rk_live_", "xoxb-", "xoxp-", "AKIA", "ASIA", "-----BEGIN"]
    /// Words after which the next word is a credential whatever it looks like.
    private static let schemeWords: Set<String> = ["bearer", "basic"]

    static func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            return .object(JSONObject(object.members.map { member in
                (member.key, isSensitiveKey(member.key) ? placeholder : redact(member.value))
            }))
        case .array(let elements):
            return .array(elements.map(redact))
        case .string(let text):
            if looksLikeCredential(text) { return placeholder }
            return .string(redactWords(in: text))
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

    // MARK: Inside text

    /// Bytes that end a word: whitespace, quotes, brackets and the separators of URLs and lists.
    /// `=` and `:` are not among them: they join a key to its value (`access_token=…`, `password:…`).
    private static func isBoundary(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x09, 0x0A, 0x0D, 0x20, UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`"), UInt8(ascii: "&"),
             UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "/"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "|"),
             UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"),
             UInt8(ascii: "<"), UInt8(ascii: ">"):
            return true
        default:
            return false
        }
    }

    /// The text with every credential-looking word replaced by the marker.
    static func redactWords(in text: String) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var state = WordState.plain
        var index = 0
        while index < bytes.count {
            if isBoundary(bytes[index]) {
                output.append(bytes[index])
                index += 1
                continue
            }
            var end = index
            while end < bytes.count && !isBoundary(bytes[end]) { end += 1 }
            let (kept, next) = redactWord(String(decoding: bytes[index..<end], as: UTF8.self), state: state)
            output.append(contentsOf: kept.utf8)
            state = next
            index = end
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// What the words before say about the next one.
    private enum WordState {
        case plain
        /// A sensitive key without its separator yet (`"secret"` before `":"`).
        case sensitiveKey
        /// The next word is a secret (after `password:`, `Bearer`, `"secret":`).
        case secretFollows
    }

    /// One word: the word or its redaction, and what it says about the next word.
    private static func redactWord(_ word: String, state: WordState) -> (String, WordState) {
        let lowered = word.lowercased()
        if state == .sensitiveKey && (word == ":" || word == "=") { return (word, .secretFollows) }
        // "Authorization: Bearer abc": the scheme is no secret, the word after it is.
        if schemeWords.contains(lowered) { return (word, .secretFollows) }
        if state == .secretFollows || looksLikeCredential(word) { return (marker, .plain) }
        // key=value or key:value: a sensitive key takes its value with it.
        if let separator = word.firstIndex(where: { $0 == "=" || $0 == ":" }) {
            let key = String(word[..<separator])
            let value = word[word.index(after: separator)...]
            if isSensitiveKey(key) {
                return value.isEmpty ? (word, .secretFollows) : (key + String(word[separator]) + marker, .plain)
            }
            if looksLikeCredential(String(value)) { return (key + String(word[separator]) + marker, .plain) }
        }
        return (word, isSensitiveKey(word) ? .sensitiveKey : .plain)
    }
}
