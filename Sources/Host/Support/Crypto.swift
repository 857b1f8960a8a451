import CCrypto
import Foundation

/// Hashing, randomness and constant-time comparison from OpenSSL's libcrypto. Never hand-rolled.
enum Crypto {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBufferPointer { sha256($0) }
    }

    static func sha256(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        _ = SHA256(input.baseAddress, input.count, &digest)
        return digest
    }

    static func sha256Hex(_ text: String) -> String { hex(sha256(Array(text.utf8))) }

    /// Cryptographically secure random bytes (RAND_bytes); aborts rather than hand out weak randomness.
    static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&bytes, Int32(count)) == 1 else { fatalError("RAND_bytes failed: no secure randomness available") }
        return bytes
    }

    /// Compares secrets in time independent of where they differ (CRYPTO_memcmp).
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, a.count) == 0 } }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func unhex(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var index = 0
        while index < chars.count {
            guard let hi = nibble(chars[index]), let lo = nibble(chars[index + 1]) else { return nil }
            out.append(hi << 4 | lo)
            index += 2
        }
        return out
    }

    private static let base62Alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// `count` uniformly random base62 characters (rejection sampling, so no modulo bias).
    /// 43 characters carry 256.03 bits.
    static func randomBase62(_ count: Int) -> String {
        var out = [UInt8]()
        out.reserveCapacity(count)
        while out.count < count {
            for byte in randomBytes(count * 2) where byte < 248 && out.count < count {
                out.append(base62Alphabet[Int(byte % 62)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Passwords (scrypt, RFC 7914, via EVP_PBE_scrypt)

    /// scrypt(password, salt, N, r, p) → `length` bytes; nil if libcrypto refuses the parameters.
    static func scrypt(password: [UInt8], salt: [UInt8], n: UInt64, r: UInt64, p: UInt64, length: Int, maxMemory: UInt64 = 0) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: length)
        // 128·N·r bytes for V plus 128·r·p for B; ask for a little more than that so OpenSSL's default cap does not refuse N=2^15.
        let memory = maxMemory > 0 ? maxMemory : 128 * n * r + 128 * r * p + 1024 * 1024
        // A trailing NUL keeps the pointer valid for an empty password; the length excludes it.
        let passwordBytes = password.map { CChar(bitPattern: $0) } + [0]
        let ok = passwordBytes.withUnsafeBufferPointer { pw in
            salt.withUnsafeBufferPointer { sa in
                EVP_PBE_scrypt(pw.baseAddress, password.count, sa.baseAddress, sa.count, n, r, p, memory, &out, length)
            }
        }
        return ok == 1 ? out : nil
    }

    /// Stored form: `scrypt$N$r$p$<salt hex>$<hash hex>` (N=2^15, r=8, p=1, 16-byte random salt, 32-byte hash).
    static func hashPassword(_ password: String) -> String {
        let salt = randomBytes(16)
        guard let hash = scrypt(password: Array(password.utf8), salt: salt, n: 1 << 15, r: 8, p: 1, length: 32) else {
            fatalError("EVP_PBE_scrypt failed")
        }
        return "scrypt$\(1 << 15)$8$1$\(hex(salt))$\(hex(hash))"
    }

    /// Verifies a password against `hashPassword`'s output, comparing in constant time.
    static func verifyPassword(_ password: String, stored: String) -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let n = UInt64(parts[1]), let r = UInt64(parts[2]), let p = UInt64(parts[3]),
              let salt = unhex(parts[4]), let expected = unhex(parts[5]),
              let actual = scrypt(password: Array(password.utf8), salt: salt, n: n, r: r, p: p, length: expected.count)
        else { return false }
        return constantTimeEquals(actual, expected)
    }

    // MARK: base64url (PKCE)

    /// Unpadded base64url (RFC 4648 §5), as PKCE's S256 challenge uses.
    static func base64URL(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }
}
