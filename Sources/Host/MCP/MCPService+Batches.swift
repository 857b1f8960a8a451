import JSON

/// 2025-03-26 batches (the only version that has them). A batch is many requests in one body, so
/// everything that bounds a request bounds each of its messages, and the batch as a whole:
///   1. at most `max_batch_messages` messages, else the whole batch is refused (400, -32600) and
///      nothing runs;
///   2. each message counts against the token's burst limit like a request of its own; the
///      messages beyond the limit are not run and get the error a request over the limit gets
///      (-31029 "Suspicious burst detected", layer abuse), while the ones before them run;
///   3. it always runs on a worker (its toolsets' lanes, or the batch lane), never on an event
///      loop, with the deadline of its toolsets;
///   4. once its replies reach `max_batch_response_bytes`, the remaining messages are not run.
extension MCPService {
    func handleBatch(_ messages: [JSONValue], caller: Caller, version: String) -> MCPOutcome {
        guard !messages.isEmpty else { return .answered(MCPAnswer(reply: .error(id: .null, .invalidRequest("empty batch")))) }
        guard messages.count <= settings.maxBatchMessages else {
            return .answered(MCPAnswer(reply: .error(id: .null, .invalidRequest(
                "a batch may hold at most \(settings.maxBatchMessages) messages (this one holds \(messages.count)); send them in smaller batches"))))
        }
        // Admission counted the request: that is its first message.
        let further = access.admitFurtherBatchMessages(messages.count - 1, caller: caller)
        let running = Array(messages.prefix(1 + further.admitted))
        let refused = further.denial.map { denial in messages.dropFirst(running.count).map { MCPService.refusal($0, denial) } } ?? []
        let plan = CallPlan(batch: running, answered: refused, caller: caller, registry: legacy.tools.registry, version: version)
        let limit = settings.maxBatchResponseBytes
        return .deferred(plan.deferred(tenant: caller.tenant.name) {
            let replies = self.legacy.handleBatch(running, caller: caller, protocolVersion: version, maxResponseBytes: limit)
            return MCPAnswer(reply: .batch(replies + refused))
        })
    }

    /// The reply to a batch message over the burst limit: a request gets the denial, a
    /// notification nothing (it is never answered), a malformed message its usual error.
    private static func refusal(_ message: JSONValue, _ denial: Denial) -> RPCReply {
        switch RPCMessage.from(message) {
        case .failure(let reply): return reply
        case .success(let parsed):
            guard let id = parsed.id, parsed.method != nil else { return .accepted }
            return .error(id: id, RPCError(denial))
        }
    }
}
