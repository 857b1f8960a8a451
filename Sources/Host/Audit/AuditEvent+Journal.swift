import JSON

/// An audit event as one line of the audit journal (AuditJournal) and back: a JSON object of the
/// event's columns (absent ones left out), then "\n". Written with JSONWriter directly because it
/// runs once per request, on the request's thread.
extension AuditEvent {
    /// The member names, said once for writing and reading.
    private enum Field {
        static let time = "t", kind = "k", tenant = "tenant", tokenID = "token_id", tokenName = "token_name"
        static let toolset = "toolset", tool = "tool", outcome = "outcome", layer = "layer", requestID = "request_id"
        static let client = "client", duration = "duration_us", details = "details", plugin = "plugin"
        static let argumentsDigest = "args_digest", arguments = "arguments"
    }

    func journalLine() -> [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.writeRaw("{")
        writer.writeString(Field.time)
        writer.writeRaw(":")
        writer.writeInt(timeMs)
        func member(_ name: String, _ value: String?) {
            guard let value else { return }
            writer.writeRaw(",")
            writer.writeString(name)
            writer.writeRaw(":")
            writer.writeString(value)
        }
        member(Field.kind, kind.stored)
        member(Field.tenant, tenant)
        member(Field.tokenID, tokenID)
        member(Field.tokenName, tokenName)
        member(Field.toolset, toolset)
        member(Field.tool, tool)
        member(Field.outcome, outcome?.rawValue)
        member(Field.layer, layer?.rawValue)
        member(Field.requestID, requestID)
        member(Field.client, client)
        member(Field.plugin, plugin)
        member(Field.argumentsDigest, argumentsDigest)
        member(Field.arguments, arguments)
        if let durationMicros {
            writer.writeRaw(",")
            writer.writeString(Field.duration)
            writer.writeRaw(":")
            writer.writeInt(durationMicros)
        }
        if !details.isNull {
            writer.writeRaw(",")
            writer.writeString(Field.details)
            writer.writeRaw(":")
            writer.write(details)
        }
        writer.writeRaw("}\n")
        return writer.bytes
    }

    /// nil for a line that is not an event (a torn write); the caller counts and logs those.
    init?(journalLine line: [UInt8]) {
        guard let value = try? JSONParser.parse(line), let object = value.objectValue,
              let time = object[Field.time]?.intValue, let kind = object[Field.kind]?.stringValue else { return nil }
        func text(_ name: String) -> String? { object[name]?.stringValue }
        self.init(timeMs: time, kind: AuditKind(stored: kind), tenant: text(Field.tenant), tokenID: text(Field.tokenID),
                  tokenName: text(Field.tokenName), toolset: text(Field.toolset), tool: text(Field.tool),
                  outcome: text(Field.outcome).flatMap(AuditOutcome.init(rawValue:)),
                  layer: text(Field.layer).flatMap(Denial.Layer.init(rawValue:)), requestID: text(Field.requestID),
                  client: text(Field.client), durationMicros: object[Field.duration]?.intValue,
                  details: object[Field.details] ?? .null, plugin: text(Field.plugin),
                  argumentsDigest: text(Field.argumentsDigest), arguments: text(Field.arguments))
    }
}
