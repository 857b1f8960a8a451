import JSON

extension EventSink {
    /// A link's audit entry (header section 11): signed, used (each request through it, with
    /// status and bytes) or revoked. The token (or operator, job, schedule) that created the
    /// link is the attribution, as for jobs: a token id in token_id, anyone else in token_name.
    func recordLink(_ event: LinkEvent, _ link: LinkRecord, requestID: String?, outcome: AuditOutcome? = nil, client: String? = nil,
                    durationMicros: Int64? = nil, details: JSONValue) {
        let byToken = link.createdBy.hasPrefix("tok_")
        record(AuditEvent(timeMs: Clock.nowMilliseconds(), kind: .link(event), tenant: link.tenant, tokenID: byToken ? link.createdBy : nil,
                          tokenName: byToken ? nil : link.createdBy, toolset: nil, tool: link.path, outcome: outcome, requestID: requestID,
                          client: client, durationMicros: durationMicros, details: details, plugin: link.plugin))
    }
}
