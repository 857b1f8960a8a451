import JSON
import ToolsetKit

// events:read — poll_events. The feed is ordered per workspace with no gaps and no repeats: an
// event's position is given inside the writing transaction, and SQLite commits one writer at a
// time, so every snapshot holds a gap-free prefix. A limited token's cursor moves only over
// events it can see, and cursors are sealed (SealedCursor), so the feed counts nothing of other
// inboxes. Each cursor is stamped with the time of the oldest event it has not delivered; once
// retention has dropped events from that time on, the cursor is refused with a resync hint.

let pollEventsTool = Tool(
    name: "poll_events",
    title: "Poll the events feed",
    description: "What happened since your last poll, oldest first: \(EventKind.namesText). The first call without a cursor "
        + "returns no events and a cursor that starts at now; pass next_cursor back each time (it is always set) and you get every "
        + "later event exactly once. has_more says another page is ready now. Filter with kinds. The feed keeps events for "
        + "\(Int(Limits.defaultEventRetentionDays)) days by default; an older cursor is refused: resync with list_conversations "
        + "(updated_since) and start again without a cursor.",
    input: .object(properties: [
        "cursor": .string(description: "next_cursor of your previous poll", maxLength: 200),
        "limit": Schemas.limit(default: Limits.eventsDefault, max: Limits.eventsMax),
        "kinds": .array(of: .string(enum: EventKind.names), description: "Only these kinds (default: all)", minItems: 1,
                        maxItems: EventKind.allCases.count),
    ]),
    output: .object(properties: [
        "events": .array(of: Schemas.event), "next_cursor": .string(description: "Pass as cursor next time"), "has_more": .boolean(),
    ], required: ["events", "next_cursor", "has_more"]),
    annotations: [.readOnly, .notIdempotent, .closedWorld]
) { call in
    let helpdesk = try HelpdeskCall(call)
    let store = helpdesk.store
    let limit = try helpdesk.limit(default: Limits.eventsDefault, max: Limits.eventsMax)
    let kinds = try (call.arguments.optionalArray("kinds") ?? []).compactMap { $0.stringValue.flatMap(EventKind.init(rawValue:)) }
    let filters = kinds.map(\.rawValue).sorted()
    // A writer takes its time before it commits, so an event can land a little older than a poll
    // that ran meanwhile: stamps err early by a minute (less when retention is shorter), never late.
    let margin = min(60_000, helpdesk.settings.eventRetentionMs / 4)
    guard let cursor = try helpdesk.cursor(.events, filters: filters) else {
        let start = try store.latestEventSeq(scope: helpdesk.scope)
        let next = try helpdesk.nextCursor(.events, filters: filters, position: start, stamp: store.now - margin)
        return .structured(["events": [], "next_cursor": next, "has_more": false],
                           text: "The feed starts now. Poll again with next_cursor to get what happens from here on.")
    }
    let page = try store.database.readSnapshot { () throws -> FeedPage? in
        guard cursor.stamp >= (try store.prunedBeforeMs()) else { return nil }
        return try store.events(after: cursor.position, scope: helpdesk.scope, kinds: kinds, limit: limit)
    }
    guard let page else {
        throw ToolError("This cursor is older than the events feed keeps (\(helpdesk.settings.retentionText)): events after it were "
            + "dropped. Resync: list_conversations with updated_since set to when you last polled, then poll_events without a cursor "
            + "to start again from now.")
    }
    let stamp = min(page.nextUnseenMs ?? store.now, store.now) - margin
    let next = try helpdesk.nextCursor(.events, filters: filters, position: page.position, stamp: max(stamp, cursor.stamp))
    let text = page.events.isEmpty ? "No new events."
        : page.events.map { "\(JSONValue.time($0.createdMs).stringValue ?? "")  \($0.kind.rawValue)  \($0.data["conversation_id"]?.stringValue ?? "")" }
            .joined(separator: "\n")
    return .structured(["events": .array(page.events.map(\.json)), "next_cursor": next, "has_more": .bool(page.nextUnseenMs != nil)],
                       text: text)
}
