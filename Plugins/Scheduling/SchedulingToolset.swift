import Foundation
import CivilDate
import ToolsetKit

// The scheduling toolset: booking requests a model can create, list, read, confirm and cancel.
// Everything is stored in the tenant's own database; times keep the caller's offset for display
// and are also stored as UTC epoch seconds for ordering and overlap checks.

@_cdecl("toolhost_plugin_entry")
public func toolhostPluginEntry() -> UnsafeRawPointer { schedulingPlugin.export() }

let schedulingPlugin = PluginDefinition(
    name: "scheduling",
    version: "1.0.0",
    description: "Booking requests with double-booking protection",
    migrations: BookingStore.migrations,
    toolsets: [
        Toolset(
            name: "scheduling",
            title: "Scheduling",
            description: "Create, list, confirm and cancel booking requests (appointments with one attendee). "
                + "Times are RFC 3339 date-times with an offset; confirmed bookings never overlap.",
            minPlan: "growth",
            tools: [createTool, listTool, getTool, confirmTool, cancelTool]
        ),
    ]
)

// MARK: - Schemas

private let idInput = Schema.string(description: "A booking request id, e.g. \"br_0123456789abcdef\"", minLength: 1, maxLength: 64)

private let bookingSchema = Schema.object(
    description: "A booking request",
    properties: [
        "id": .string(description: "Booking request id"),
        "title": .string(),
        "start": .string(description: "Start as given by its creator (RFC 3339 with offset)", format: "date-time"),
        "end": .string(description: "End as given by its creator (RFC 3339 with offset)", format: "date-time"),
        "time_zone": .string(description: "IANA time zone of the attendee"),
        "attendee_name": .string(),
        "attendee_email": .string(format: "email"),
        "notes": Schema.string().orNull,
        "status": .string(enum: BookingStatus.allCases.map(\.rawValue)),
        "created_at": .string(format: "date-time"),
        "updated_at": .string(format: "date-time"),
        "confirmed_at": Schema.string(format: "date-time").orNull,
        "cancelled_at": Schema.string(format: "date-time").orNull,
        "cancel_reason": Schema.string().orNull,
        "created_by_token": Schema.string(description: "Name of the API token that created it").orNull,
    ],
    required: ["id", "title", "start", "end", "time_zone", "attendee_name", "attendee_email", "notes", "status",
               "created_at", "updated_at", "confirmed_at", "cancelled_at", "cancel_reason", "created_by_token"],
    additionalProperties: false
)

/// The booking schema plus one extra boolean flag (already_confirmed / already_cancelled).
private func bookingSchema(withFlag flag: String, description: String) -> Schema {
    guard case .object(var root) = bookingSchema.json, case .object(var properties)? = root["properties"] else { return bookingSchema }
    properties[flag] = Schema.boolean(description: description).json
    root["properties"] = .object(properties)
    if case .array(let required)? = root["required"] { root["required"] = .array(required + [.string(flag)]) }
    return Schema(.object(root))
}

// MARK: - Tools

let createTool = Tool(
    name: "create_booking_request",
    title: "Create a booking request",
    description: "Request a booking for one attendee. It starts in status \"requested\" and must be confirmed "
        + "separately. Refused if it overlaps a confirmed booking. A booking lasts at most 24 hours.",
    input: .object(
        properties: [
            "title": .string(description: "What the booking is for", minLength: 1, maxLength: 200),
            "start": .string(description: "Start, RFC 3339 with offset, e.g. 2026-12-01T09:00:00+01:00", format: "date-time"),
            "end": .string(description: "End (after start, at most 24 h later), RFC 3339 with offset", format: "date-time"),
            "time_zone": .string(description: "The attendee's IANA time zone, e.g. Europe/Berlin", minLength: 1, maxLength: 64),
            "attendee_name": .string(description: "Full name of the attendee", minLength: 1, maxLength: 200),
            "attendee_email": .string(description: "Email address of the attendee", format: "email", maxLength: 254),
            "notes": .string(description: "Optional notes for the host", maxLength: 2000),
        ],
        required: ["title", "start", "end", "time_zone", "attendee_name", "attendee_email"]
    ),
    output: bookingSchema,
    annotations: [.notReadOnly, .notDestructive, .notIdempotent, .closedWorld]
) { call in
    let args = call.arguments
    let title = try Rules.text(try args.string("title"), "title", min: 1, max: 200)
    let start = try Rules.timestamp(try args.string("start"), "start")
    let end = try Rules.timestamp(try args.string("end"), "end")
    try Rules.interval(start: start, end: end)
    let timeZone = try Rules.timeZone(try args.string("time_zone"))
    let attendeeName = try Rules.text(try args.string("attendee_name"), "attendee_name", min: 1, max: 200)
    let attendeeEmail = try Rules.email(try args.string("attendee_email"))
    var notes: String?
    if let given = try args.optionalString("notes") { notes = try Rules.text(given, "notes", min: 0, max: 2000) }

    let store = BookingStore(try call.database)
    let now = utcString(epochMilliseconds: call.nowMilliseconds)
    let token = call.context.tokenName.isEmpty ? (call.context.tokenID.isEmpty ? nil : call.context.tokenID) : call.context.tokenName
    let booking = try store.database.transaction {
        if let other = try store.firstConfirmedOverlap(start: start.epochSeconds, end: end.epochSeconds, excluding: nil) {
            throw ToolError("The requested time overlaps confirmed booking \"\(other.id)\" (\(other.start) to \(other.end)); choose a time that does not overlap it")
        }
        let booking = Booking(
            id: BookingStore.newID(), title: title, start: start.text, end: end.text,
            startEpoch: start.epochSeconds, endEpoch: end.epochSeconds, timeZone: timeZone,
            attendeeName: attendeeName, attendeeEmail: attendeeEmail, notes: notes, status: .requested,
            createdAt: now, updatedAt: now, confirmedAt: nil, cancelledAt: nil, cancelReason: nil, createdByToken: token)
        try store.insert(booking)
        return booking
    }
    call.emit("booking.created", ["id": .string(booking.id), "start": .string(booking.start), "end": .string(booking.end)])
    return .structured(booking.json)
}

let listTool = Tool(
    name: "list_booking_requests",
    title: "List booking requests",
    description: "List booking requests ordered by start time, optionally filtered by status and by a time window "
        + "(bookings overlapping [from, to)). Pages of at most `limit`; pass `next_cursor` back as `cursor` for the next page.",
    input: .object(
        properties: [
            "status": .string(description: "Only this status", enum: BookingStatus.allCases.map(\.rawValue)),
            "from": .string(description: "Only bookings ending after this instant (RFC 3339 with offset)", format: "date-time"),
            "to": .string(description: "Only bookings starting before this instant (RFC 3339 with offset)", format: "date-time"),
            "limit": .integer(description: "Page size, 1-100 (default 20)", minimum: 1, maximum: 100),
            "cursor": .string(description: "The next_cursor of the previous page", minLength: 1, maxLength: 200),
        ]
    ),
    output: .object(
        properties: [
            "booking_requests": .array(of: bookingSchema),
            "next_cursor": Schema.string(description: "Pass as cursor to get the next page; null on the last page").orNull,
        ],
        required: ["booking_requests", "next_cursor"]
    ),
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let args = call.arguments
    var status: BookingStatus?
    if let given = try args.optionalString("status") {
        guard let parsed = BookingStatus(rawValue: given) else {
            throw ToolError("\"status\" must be one of \(BookingStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        status = parsed
    }
    let from = try args.optionalString("from").map { (s: String) throws(ToolError) in try Rules.timestamp(s, "from") }
    let to = try args.optionalString("to").map { (s: String) throws(ToolError) in try Rules.timestamp(s, "to") }
    if let from, let to, to.epochMilliseconds <= from.epochMilliseconds {
        throw ToolError("\"to\" (\(to.text)) must be after \"from\" (\(from.text))")
    }
    let limit = try args.optionalInt("limit") ?? 20
    guard (1...100).contains(limit) else { throw ToolError("\"limit\" must be between 1 and 100 (got \(limit))") }
    var after: BookingCursor?
    if let cursor = try args.optionalString("cursor") {
        guard let decoded = BookingCursor(encoded: cursor) else {
            throw ToolError("\"cursor\" is not a valid cursor; pass the next_cursor value of the previous page unchanged, or omit it for the first page")
        }
        after = decoded
    }
    let store = BookingStore(try call.database)
    var page = try store.list(status: status, from: from?.epochSeconds, to: to.map { Int64(ceilSeconds($0.epochMilliseconds)) },
                              after: after, limit: limit + 1)
    var nextCursor: JSONValue = .null
    if page.count > limit {
        page.removeLast(page.count - limit)
        let last = page[page.count - 1]
        nextCursor = .string(BookingCursor(startEpoch: last.startEpoch, id: last.id).encoded)
    }
    return .structured(["booking_requests": .array(page.map(\.json)), "next_cursor": nextCursor])
}

private func ceilSeconds(_ milliseconds: Int64) -> Int64 { -floorDivide(-milliseconds, 1000) }

let getTool = Tool(
    name: "get_booking_request",
    title: "Get a booking request",
    description: "Fetch one booking request by id.",
    input: .object(properties: ["id": idInput], required: ["id"]),
    output: bookingSchema,
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let id = try call.arguments.string("id")
    guard let booking = try BookingStore(try call.database).find(id) else { throw notFound(id) }
    return .structured(booking.json)
}

let confirmTool = Tool(
    name: "confirm_booking_request",
    title: "Confirm a booking request",
    description: "Confirm a requested booking. Refused if it overlaps another confirmed booking or was cancelled. "
        + "Confirming an already confirmed booking changes nothing (already_confirmed: true).",
    input: .object(properties: ["id": idInput], required: ["id"]),
    output: bookingSchema(withFlag: "already_confirmed", description: "True if it was confirmed before this call"),
    annotations: [.notReadOnly, .notDestructive, .idempotent, .closedWorld]
) { call in
    let id = try call.arguments.string("id")
    let store = BookingStore(try call.database)
    let now = utcString(epochMilliseconds: call.nowMilliseconds)
    let (booking, already) = try store.database.transaction { () throws -> (Booking, Bool) in
        guard var booking = try store.find(id) else { throw notFound(id) }
        switch booking.status {
        case .confirmed:
            return (booking, true)
        case .cancelled:
            throw ToolError("Booking request \"\(id)\" is cancelled and cannot be confirmed; create a new request instead")
        case .requested:
            if let other = try store.firstConfirmedOverlap(start: booking.startEpoch, end: booking.endEpoch, excluding: id) {
                throw ToolError("Cannot confirm \"\(id)\": it overlaps confirmed booking \"\(other.id)\" (\(other.start) to \(other.end))")
            }
            booking.status = .confirmed
            booking.confirmedAt = now
            booking.updatedAt = now
            try store.update(booking)
            return (booking, false)
        }
    }
    if !already { call.emit("booking.confirmed", ["id": .string(id)]) }
    return .structured(booking.json(adding: "already_confirmed", already))
}

let cancelTool = Tool(
    name: "cancel_booking_request",
    title: "Cancel a booking request",
    description: "Cancel a booking request (requested or confirmed), with an optional reason. Cancelling an already "
        + "cancelled booking changes nothing and returns it with already_cancelled: true.",
    input: .object(
        properties: [
            "id": idInput,
            "reason": .string(description: "Why it is cancelled (optional)", maxLength: 500),
        ],
        required: ["id"]
    ),
    output: bookingSchema(withFlag: "already_cancelled", description: "True if it was cancelled before this call"),
    annotations: [.notReadOnly, .destructive, .idempotent, .closedWorld]
) { call in
    let id = try call.arguments.string("id")
    var reason: String?
    if let given = try call.arguments.optionalString("reason") { reason = try Rules.text(given, "reason", min: 0, max: 500) }
    let store = BookingStore(try call.database)
    let now = utcString(epochMilliseconds: call.nowMilliseconds)
    let (booking, already) = try store.database.transaction { () throws -> (Booking, Bool) in
        guard var booking = try store.find(id) else { throw notFound(id) }
        if booking.status == .cancelled { return (booking, true) }
        booking.status = .cancelled
        booking.cancelledAt = now
        booking.cancelReason = reason
        booking.updatedAt = now
        try store.update(booking)
        return (booking, false)
    }
    if !already { call.emit("booking.cancelled", ["id": .string(id)]) }
    return .structured(booking.json(adding: "already_cancelled", already))
}

private func notFound(_ id: String) -> ToolError {
    ToolError("No booking request with id \"\(Rules.clip(id))\"")
}
