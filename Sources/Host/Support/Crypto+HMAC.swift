import CCrypto

extension Crypto {
    /// HMAC-SHA256 (libcrypto's one-shot HMAC), for signed links.
    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = key.withUnsafeBytes { k in
            message.withUnsafeBufferPointer { m in
                HMAC(EVP_sha256(), k.baseAddress, Int32(key.count), m.baseAddress, m.count, &digest, &length)
            }
        }
        guard ok != nil, length == 32 else { fatalError("HMAC-SHA256 failed in libcrypto") }
        return Array(digest.prefix(32))
    }
}
