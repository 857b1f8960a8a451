import CCrypto
import SQLite
import ToolsetKit

/// A page cursor that reveals nothing. Rows are ordered by a tenant-wide sequence number; a plain
/// cursor would let an inbox-limited token subtract two positions and count what other inboxes
/// received in between. So a cursor is one AES-128 block (a keyed permutation, libcrypto) over
/// magic, list kind, filter fingerprint, position and a time stamp, under a random per-tenant key
/// made by the first migration. Anything altered decrypts to a block whose magic does not match.
struct SealedCursor: Equatable {
    enum List: UInt8 {
        case conversations = 1, messages, contacts, contactSearch, drafts, events
    }

    let list: List
    /// 16 bits of the list's filters: a cursor continues only the list it came from.
    let filters: UInt16
    /// Where the next page starts (exclusive), in the list's own order.
    let position: Int64
    /// Milliseconds; the events feed uses it to tell a cursor older than retention.
    let stamp: Int64

    init(_ list: List, filters: [String] = [], position: Int64, stamp: Int64 = 0) {
        self.list = list
        self.filters = SealedCursor.fingerprint(filters)
        self.position = position
        self.stamp = stamp
    }

    private init(list: List, filters: UInt16, position: Int64, stamp: Int64) {
        self.list = list
        self.filters = filters
        self.position = position
        self.stamp = stamp
    }

    static func fingerprint(_ filters: [String]) -> UInt16 {
        UInt16(truncatingIfNeeded: UInt64(PageCursor.fingerprint(filters), radix: 16) ?? 0)
    }

    private static let magic: UInt8 = 0xD5

    /// Layout: magic, list, filters (2), position (6), stamp (6): 16 bytes.
    func sealed(with key: CursorKey) -> String {
        var block = [UInt8](repeating: 0, count: 16)
        block[0] = SealedCursor.magic
        block[1] = list.rawValue
        block[2] = UInt8(filters >> 8)
        block[3] = UInt8(filters & 0xFF)
        for index in 0..<6 {
            block[4 + index] = UInt8(truncatingIfNeeded: position >> (8 * (5 - index)))
            block[10 + index] = UInt8(truncatingIfNeeded: stamp >> (8 * (5 - index)))
        }
        return PageCursor.encode(bytes: key.transform(block, encrypt: true))
    }

    /// The cursor inside `text`, or nil when it is not a cursor of `list` with these filters.
    static func open(_ text: String, list: List, filters: [String] = [], key: CursorKey) -> SealedCursor? {
        guard let bytes = PageCursor.decodeBytes(text), bytes.count == 16 else { return nil }
        let block = key.transform(bytes, encrypt: false)
        guard block[0] == magic, block[1] == list.rawValue,
              (UInt16(block[2]) << 8 | UInt16(block[3])) == fingerprint(filters) else { return nil }
        var position: Int64 = 0, stamp: Int64 = 0
        for index in 0..<6 {
            position = position << 8 | Int64(block[4 + index])
            stamp = stamp << 8 | Int64(block[10 + index])
        }
        return SealedCursor(list: list, filters: fingerprint(filters), position: position, stamp: stamp)
    }
}

/// The tenant's cursor key (16 random bytes from the first migration).
struct CursorKey {
    let bytes: [UInt8]

    init(_ database: Database) throws {
        guard let key = try database.queryOne("SELECT value FROM secrets WHERE name = 'cursor_key'", [], { $0.blob(0) }), key.count == 16 else {
            throw InternalError("the helpdesk database has no cursor key")
        }
        bytes = key
    }

    /// One AES-128-ECB block, no padding: exactly a keyed permutation of 16 bytes.
    func transform(_ block: [UInt8], encrypt: Bool) -> [UInt8] {
        precondition(block.count == 16)
        guard let context = EVP_CIPHER_CTX_new() else { fatalError("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(context) }
        var output = [UInt8](repeating: 0, count: 32)
        var written: Int32 = 0
        let ok = bytes.withUnsafeBufferPointer { key in
            EVP_CipherInit_ex(context, EVP_aes_128_ecb(), nil, key.baseAddress, nil, encrypt ? 1 : 0) == 1
                && EVP_CIPHER_CTX_set_padding(context, 0) == 1
                && EVP_CipherUpdate(context, &output, &written, block, 16) == 1
        }
        guard ok, written == 16 else { fatalError("AES-128-ECB failed") }
        return Array(output.prefix(16))
    }
}
