import CCrypto

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
}
