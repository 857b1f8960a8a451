import Foundation
import JSON
import SQLite
import ToolsetKit

enum BookingStatus: String, CaseIterable, Sendable {
    case requested, confirmed, cancelled
}

struct Booking: Sendable {
    let id: String
    let title: String
    let start: String
    let end: String
    let startEpoch: Int64
    let endEpoch: Int64
    let timeZone: String
    let attendeeName: String
    let attendeeEmail: String
    let notes: String?
    var status: BookingStatus
    let createdAt: String
    var updatedAt: String
    var confirmedAt: String?
    var cancelledAt: String?
    var cancelReason: String?
    let createdByToken: String?

    var json: JSONValue {
        func optional(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        return [
            "id": .string(id),
            "title": .string(title),
            "start": .string(start),
            "end": .string(end),
            "time_zone": .string(timeZone),
            "attendee_name": .string(attendeeName),
            "attendee_email": .string(attendeeEmail),
            "notes": optional(notes),
            "status": .string(status.rawValue),
            "created_at": .string(createdAt),
            "updated_at": .string(updatedAt),
            "confirmed_at": optional(confirmedAt),
            "cancelled_at": optional(cancelledAt),
            "cancel_reason": optional(cancelReason),
            "created_by_token": optional(createdByToken),
        ]
    }

    func json(adding flag: String, _ value: Bool) -> JSONValue {
        guard case .object(var object) = json else { return json }
        object[flag] = .bool(value)
        return .object(object)
    }
}

/// `(start, id)` of the last row of a page, opaque to callers: base64url of "v1:<start>:<id>".
struct BookingCursor {
    let startEpoch: Int64
    let id: String

    init(startEpoch: Int64, id: String) {
        self.startEpoch = startEpoch
        self.id = id
    }

    init?(encoded: String) {
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !encoded.contains("="), !encoded.contains("+"), !encoded.contains("/") else { return nil }
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let start = Int64(parts[1]), BookingStore.isID(String(parts[2])) else { return nil }
        startEpoch = start
        id = String(parts[2])
    }

    var encoded: String {
        Data("v1:\(startEpoch):\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

struct BookingStore {
    let database: Database

    init(_ database: Database) { self.database = database }

    /// Never edit a released migration: append a new one.
    static let migrations: [String] = [
        """
        CREATE TABLE bookings (
            id               TEXT PRIMARY KEY,
            title            TEXT NOT NULL,
            start_at         TEXT NOT NULL,
            end_at           TEXT NOT NULL,
            start_epoch      INTEGER NOT NULL,
            end_epoch        INTEGER NOT NULL,
            time_zone        TEXT NOT NULL,
            attendee_name    TEXT NOT NULL,
            attendee_email   TEXT NOT NULL,
            notes            TEXT,
            status           TEXT NOT NULL CHECK (status IN ('requested', 'confirmed', 'cancelled')),
            created_at       TEXT NOT NULL,
            updated_at       TEXT NOT NULL,
            confirmed_at     TEXT,
            cancelled_at     TEXT,
            cancel_reason    TEXT,
            created_by_token TEXT,
            CHECK (end_epoch > start_epoch)
        ) STRICT;
        CREATE INDEX bookings_by_start ON bookings (start_epoch, id);
        CREATE INDEX bookings_by_status_start ON bookings (status, start_epoch, id);
        """,
        """
        CREATE INDEX bookings_confirmed_window ON bookings (start_epoch, end_epoch) WHERE status = 'confirmed';
        """,
    ]

    static func newID() -> String { randomID("br_") }

    static func isID(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count == 19, s.hasPrefix("br_") else { return false }
        return b[3...].allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    private static let columns = """
        id, title, start_at, end_at, start_epoch, end_epoch, time_zone, attendee_name, attendee_email, notes, status,
        created_at, updated_at, confirmed_at, cancelled_at, cancel_reason, created_by_token
        """

    private static func booking(_ row: Row) -> Booking {
        Booking(
            id: row.string(0), title: row.string(1), start: row.string(2), end: row.string(3),
            startEpoch: row.int64(4), endEpoch: row.int64(5), timeZone: row.string(6),
            attendeeName: row.string(7), attendeeEmail: row.string(8), notes: row.optionalString(9),
            status: BookingStatus(rawValue: row.string(10)) ?? .requested,
            createdAt: row.string(11), updatedAt: row.string(12), confirmedAt: row.optionalString(13),
            cancelledAt: row.optionalString(14), cancelReason: row.optionalString(15), createdByToken: row.optionalString(16))
    }

    func find(_ id: String) throws -> Booking? {
        try database.queryOne("SELECT \(Self.columns) FROM bookings WHERE id = ?", [.text(id)], Self.booking)
    }

    /// The earliest confirmed booking whose [start, end) overlaps [start, end).
    func firstConfirmedOverlap(start: Int64, end: Int64, excluding id: String?) throws -> Booking? {
        try database.queryOne(
            """
            SELECT \(Self.columns) FROM bookings
            WHERE status = 'confirmed' AND start_epoch < ? AND end_epoch > ? AND id <> ?
            ORDER BY start_epoch, id LIMIT 1
            """,
            [.int(end), .int(start), .text(id ?? "")], Self.booking)
    }

    func insert(_ b: Booking) throws {
        try database.run(
            """
            INSERT INTO bookings (\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.text(b.id), .text(b.title), .text(b.start), .text(b.end), .int(b.startEpoch), .int(b.endEpoch),
             .text(b.timeZone), .text(b.attendeeName), .text(b.attendeeEmail), SQLValue(b.notes), .text(b.status.rawValue),
             .text(b.createdAt), .text(b.updatedAt), SQLValue(b.confirmedAt), SQLValue(b.cancelledAt),
             SQLValue(b.cancelReason), SQLValue(b.createdByToken)])
    }

    /// Only the mutable columns change.
    func update(_ b: Booking) throws {
        try database.run(
            """
            UPDATE bookings SET status = ?, updated_at = ?, confirmed_at = ?, cancelled_at = ?, cancel_reason = ?
            WHERE id = ?
            """,
            [.text(b.status.rawValue), .text(b.updatedAt), SQLValue(b.confirmedAt), SQLValue(b.cancelledAt),
             SQLValue(b.cancelReason), .text(b.id)])
    }

    /// One page in (start, id) order; `from`/`to` select bookings overlapping [from, to).
    func list(status: BookingStatus?, from: Int64?, to: Int64?, after: BookingCursor?, limit: Int) throws -> [Booking] {
        var conditions: [String] = []
        var parameters: [SQLValue] = []
        if let status { conditions.append("status = ?"); parameters.append(.text(status.rawValue)) }
        if let from { conditions.append("end_epoch > ?"); parameters.append(.int(from)) }
        if let to { conditions.append("start_epoch < ?"); parameters.append(.int(to)) }
        if let after {
            conditions.append("(start_epoch, id) > (?, ?)")
            parameters.append(.int(after.startEpoch))
            parameters.append(.text(after.id))
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        parameters.append(.int(Int64(limit)))
        return try database.query(
            "SELECT \(Self.columns) FROM bookings \(filter) ORDER BY start_epoch, id LIMIT ?", parameters, Self.booking)
    }
}
