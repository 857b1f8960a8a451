import CCrypto
import Foundation
import Glibc
import ToolsetKit

/// Seals connection passwords with AES-256-GCM (libcrypto). The key is 32 random bytes in
/// `connection-secrets.key` inside this tenant's pipelines folder in the host's data folder
/// (files_folder, mode 0700), created on first use with mode 0600 — kept apart from the database,
/// so a copy of the database alone reveals no password. Sealed form: version byte 1, 12-byte
/// nonce, ciphertext, 16-byte tag; the connection id is bound in as associated data, so a sealed
/// password moved onto another connection row does not open.
struct ConnectionSecrets {
    static let keyFileName = "connection-secrets.key"
    let key: [UInt8]

    init(folder: String) throws {
        key = try ConnectionSecrets.loadOrCreateKey(at: folder + "/" + ConnectionSecrets.keyFileName)
    }

    private static func loadOrCreateKey(at path: String) throws -> [UInt8] {
        if let existing = FileManager.default.contents(atPath: path) {
            guard existing.count == 32 else { throw InternalError("\(path) is not a 32-byte key; restore it from a backup") }
            return Array(existing)
        }
        var key = [UInt8](repeating: 0, count: 32)
        guard RAND_bytes(&key, 32) == 1 else { throw InternalError("no randomness for a new connection key") }
        // O_EXCL: when two calls race to create it, one wins and the other reads the winner's key.
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            if errno == EEXIST, let existing = FileManager.default.contents(atPath: path), existing.count == 32 { return Array(existing) }
            throw InternalError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        guard write(fd, key, 32) == 32, fsync(fd) == 0 else { throw InternalError("cannot write \(path)") }
        return key
    }

    func seal(_ secret: String, connectionID: String) throws -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: 12)
        guard RAND_bytes(&nonce, 12) == 1 else { throw InternalError("no randomness for a nonce") }
        let plain = Array(secret.utf8)
        let aad = Array(connectionID.utf8)
        guard let context = EVP_CIPHER_CTX_new() else { throw InternalError("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(context) }
        var out = [UInt8](repeating: 0, count: plain.count + 16)
        var tag = [UInt8](repeating: 0, count: 16)
        var written: Int32 = 0, final: Int32 = 0, ignored: Int32 = 0
        let ok = EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, key, nonce) == 1
            && EVP_EncryptUpdate(context, nil, &ignored, aad, Int32(aad.count)) == 1
            && EVP_EncryptUpdate(context, &out, &written, plain, Int32(plain.count)) == 1
            && out.withUnsafeMutableBufferPointer { EVP_EncryptFinal_ex(context, $0.baseAddress! + Int(written), &final) } == 1
            && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, 16, &tag) == 1
        guard ok else { throw InternalError("sealing a password failed") }
        return [1] + nonce + Array(out[0..<Int(written + final)]) + tag
    }

    func open(_ sealed: [UInt8], connectionID: String) throws -> String {
        guard sealed.count >= 1 + 12 + 16, sealed[0] == 1 else { throw InternalError("a stored password has an unknown format") }
        let nonce = Array(sealed[1..<13])
        let cipher = Array(sealed[13..<(sealed.count - 16)])
        var tag = Array(sealed[(sealed.count - 16)...])
        let aad = Array(connectionID.utf8)
        guard let context = EVP_CIPHER_CTX_new() else { throw InternalError("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(context) }
        var out = [UInt8](repeating: 0, count: cipher.count + 16)
        var written: Int32 = 0, final: Int32 = 0, ignored: Int32 = 0
        let ok = EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, key, nonce) == 1
            && EVP_DecryptUpdate(context, nil, &ignored, aad, Int32(aad.count)) == 1
            && EVP_DecryptUpdate(context, &out, &written, cipher, Int32(cipher.count)) == 1
            && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, 16, &tag) == 1
            && out.withUnsafeMutableBufferPointer { EVP_DecryptFinal_ex(context, $0.baseAddress! + Int(written), &final) } == 1
        guard ok else {
            throw InternalError("the stored password of connection \(connectionID) does not open with this data folder's key "
                + "(\(ConnectionSecrets.keyFileName) was replaced or lost); set the password again")
        }
        return String(decoding: out[0..<Int(written + final)], as: UTF8.self)
    }
}
