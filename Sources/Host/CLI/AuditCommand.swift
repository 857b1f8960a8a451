import Foundation
import JSON
import SQLite

/// `toolhost audit --tenant T [--token ID] [--since WHEN] [--outcome O] [--kind K] [--limit N] [--json]`
/// Reads the audit trail: tool calls, denials (with the layer that refused) and toolset events.
/// Entries reach the file within ~200 ms of happening (they are written in batches).
enum AuditCommand {
    static let outcomes = AuditOutcome.allCases.map(\.rawValue)

    static let spec = CommandSpec(
        "audit", summary: "Read a tenant's audit trail: tool calls, denials (with the layer that refused) and toolset events.",
        options: [
            .valued("tenant", "T", "the tenant whose trail to read", required: true),
            .valued("token", "ID", "only the entries of this token or OAuth grant"),
            .valued("since", "2h|DATE", "only entries since a duration ago (15m, 2h, 7d), a date or an RFC 3339 time"),
            .valued("outcome", "OUTCOME", "only entries with this outcome: " + outcomes.joined(separator: ", ")),
            .valued("kind", "KIND", "only entries of this kind, e.g. tool.call or knowledge.visibility_changed"),
            .valued("limit", "N", "at most the newest N entries (default 1000)"),
            .flag("json", "one JSON object per line instead of a table"),
        ])

    static func run(_ words: ArraySlice<String>) throws -> Int32 {
        let arguments = try Arguments(words, for: spec)
        let tenant = try arguments.required("tenant")
        let path = settings(arguments).dataDirectory + "/audit.db"
        guard FileManager.default.fileExists(atPath: path) else { throw CommandError("no audit trail at \(path) yet (the daemon creates it)") }
        let database = try Database(path: path, readOnly: true)

        var conditions = ["tenant = ?"]
        var parameters: [SQLValue] = [.text(tenant)]
        if let token = arguments.value("token") {
            guard let id = PersonalAccessToken.normalizeID(token) else { throw Arguments.UsageError("--token must be a token id like tok_0123456789ab") }
            conditions.append("token_id = ?")
            parameters.append(.text("tok_" + id))
        }
        if let since = arguments.value("since") {
            guard let start = parseSince(since) else {
                throw Arguments.UsageError("--since must be a date (YYYY-MM-DD), an RFC 3339 time, or a duration ago like 15m, 2h, 7d")
            }
            conditions.append("time_ms >= ?")
            parameters.append(.int(start))
        }
        if let outcome = arguments.value("outcome") {
            guard outcomes.contains(outcome) else { throw Arguments.UsageError("--outcome must be one of \(outcomes.joined(separator: ", "))") }
            conditions.append("outcome = ?")
            parameters.append(.text(outcome))
        }
        if let kind = arguments.value("kind") {
            conditions.append("kind = ?")
            parameters.append(.text(kind))
        }
        let limit = Int(arguments.value("limit") ?? "1000") ?? 1000
        let sql = """
            SELECT * FROM (
              SELECT id, time_ms, kind, tenant, token_id, token_name, toolset, tool, outcome, layer, duration_us, client,
                     request_id, args_digest, arguments, details, plugin
              FROM events WHERE \(conditions.joined(separator: " AND ")) ORDER BY id DESC LIMIT \(max(1, limit))
            ) ORDER BY id
            """
        let entries = try database.query(sql, parameters, entry)
        if arguments.has("json") {
            for entry in entries { print(entry.jsonString) }
        } else {
            printTable(["TIME", "KIND", "TOKEN", "TOOLSET", "TOOL", "OUTCOME", "MS", "CLIENT", "DETAIL"], entries.map { entry in
                let kind = AuditKind(stored: entry["kind"]?.stringValue ?? "")
                let outcome = entry["outcome"]?.stringValue ?? "-"
                let layer = entry["layer"]?.stringValue.map { " (\($0))" } ?? ""
                let duration = entry["duration_ms"]?.doubleValue.map { String(format: "%.2f", $0) } ?? "-"
                let detail = entry["details"]?["message"]?.stringValue ?? (kind == .toolCall ? "" : entry["details"].map(\.jsonString) ?? "")
                return [entry["time"]?.stringValue ?? "", kind.stored, entry["token_id"]?.stringValue ?? "-", entry["toolset"]?.stringValue ?? "-",
                        entry["tool"]?.stringValue ?? "-", outcome + layer, duration, entry["client"]?.stringValue ?? "-", detail]
            })
        }
        return 0
    }

    private static func entry(_ row: Row) -> JSONValue {
        var object: JSONObject = [
            "time": .string(Timestamp.iso8601(millisecondsSinceEpoch: row.int64(1), fractional: true)),
            "kind": .string(row.string(2)),
        ]
        func text(_ key: String, _ column: Int32) { object[key] = row.optionalString(column).map { .string($0) } ?? .null }
        text("tenant", 3)
        text("token_id", 4)
        text("token_name", 5)
        text("toolset", 6)
        text("tool", 7)
        text("outcome", 8)
        text("layer", 9)
        object["duration_ms"] = row.optionalInt64(10).map { .double(Double($0) / 1000) } ?? .null
        text("client", 11)
        text("request_id", 12)
        text("args_digest", 13)
        if let arguments = row.optionalString(14) { object["arguments"] = (try? JSONParser.parse(arguments)) ?? .string(arguments) }
        if let details = row.optionalString(15) { object["details"] = (try? JSONParser.parse(details)) ?? .string(details) }
        if let plugin = row.optionalString(16) { object["plugin"] = .string(plugin) }
        return .object(object)
    }

    /// A date, an RFC 3339 time, or "N{s,m,h,d}" ago.
    static func parseSince(_ text: String) -> Int64? {
        if let unit = text.last, let amount = Int64(text.dropLast()), amount >= 0 {
            let seconds: Int64? = ["s": 1, "m": 60, "h": 3600, "d": 86_400][String(unit)]
            if let seconds { return Clock.nowMilliseconds() - amount * seconds * 1000 }
        }
        if text.count == 10 { return Timestamp.parseDate(text) }
        return Timestamp.parseRFC3339(text)
    }
}
