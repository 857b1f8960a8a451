/// What a link's signature covers, and the URL parameters that carry it (header section 11):
///     /{tenant}/x/{plugin}/{path}?l={id}&e={expiry}[&u=1]&k={key id}&s={signature}
/// `s` is HMAC-SHA256, base64url without padding, over one line per field, so no field can run
/// into the next: a version tag, tenant, plugin, path, link id, expiry (Unix seconds) and the
/// single-use flag. Tenant and plugin are in it, so a valid link moved to another tenant's or
/// plugin's path fails like a forged one.
struct LinkSignature: Equatable {
    let tenant: String
    let plugin: String
    let path: String
    let linkID: String
    let expiresAt: Int64
    let singleUse: Bool

    init(tenant: String, plugin: String, path: String, linkID: String, expiresAt: Int64, singleUse: Bool) {
        self.tenant = tenant
        self.plugin = plugin
        self.path = path
        self.linkID = linkID
        self.expiresAt = expiresAt
        self.singleUse = singleUse
    }

    init(_ link: LinkRecord) {
        self.init(tenant: link.tenant, plugin: link.plugin, path: link.path, linkID: link.id, expiresAt: link.expiresAt, singleUse: link.singleUse)
    }

    private var message: [UInt8] {
        Array(["toolhost-link-v1", tenant, plugin, path, linkID, String(expiresAt), singleUse ? "1" : "0"].joined(separator: "\n").utf8)
    }

    func sign(with key: LinkKey) -> String {
        Crypto.base64URL(Crypto.hmacSHA256(key: key.secret, message: message))
    }

    /// Compares in constant time (CRYPTO_memcmp), so the answer's timing says nothing about
    /// how much of a guessed signature was right.
    func verify(_ signature: String, with key: LinkKey) -> Bool {
        Crypto.constantTimeEquals(Array(sign(with: key).utf8), Array(signature.utf8))
    }

    /// The query string of the link's URL.
    func query(keyID: String, signature: String) -> String {
        "l=\(linkID)&e=\(expiresAt)\(singleUse ? "&u=1" : "")&k=\(keyID)&s=\(signature)"
    }

    /// `lnk_` and 24 hex digits (96 random bits).
    static func newLinkID() -> String { "lnk_" + Crypto.hex(Crypto.randomBytes(12)) }
}

/// The link parameters of a request's query, and the rest of it (handed to the handler,
/// unsigned). nil when any of them is missing, repeated or malformed: the request is a 404.
struct LinkParameters: Equatable {
    let linkID: String
    let expiresAt: Int64
    let singleUse: Bool
    let keyID: String
    let signature: String
    /// The other parameters, in order, as sent.
    let rest: String

    init?(query: String?) {
        var values: [String: String] = [:]
        var rest: [Substring] = []
        for pair in (query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let name = pair.prefix { $0 != "=" }
            guard ["l", "e", "u", "k", "s"].contains(name) else {
                rest.append(pair)
                continue
            }
            guard values[String(name)] == nil else { return nil }
            values[String(name)] = String(pair.dropFirst(name.count + 1))
        }
        guard let id = values["l"], LinkParameters.isToken(id, maxBytes: 64), id.hasPrefix("lnk_"),
              let expiryText = values["e"], expiryText.utf8.count <= 12, expiryText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let expiresAt = Int64(expiryText),
              let keyID = values["k"], LinkParameters.isToken(keyID, maxBytes: 32),
              let signature = values["s"], LinkParameters.isToken(signature, maxBytes: 64)
        else { return nil }
        switch values["u"] {
        case nil: singleUse = false
        case "1": singleUse = true
        default: return nil
        }
        self.linkID = id
        self.expiresAt = expiresAt
        self.keyID = keyID
        self.signature = signature
        self.rest = rest.joined(separator: "&")
    }

    /// base64url and our id alphabets: letters, digits, '_' and '-'.
    private static func isToken(_ text: String, maxBytes: Int) -> Bool {
        !text.isEmpty && text.utf8.count <= maxBytes && text.utf8.allSatisfy {
            ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2D
        }
    }
}
