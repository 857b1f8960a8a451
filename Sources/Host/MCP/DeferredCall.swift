import JSON

/// A message that calls tools, or a 2025-03-26 batch, handed to the transport to run where slow
/// work belongs, with what the scheduler must know before a worker takes it: which toolsets it
/// calls (their concurrency caps, queue bounds and deadlines apply), and how to answer if it
/// cannot run or does not finish in time.
struct DeferredCall: Sendable {
    /// The toolsets the message calls: sorted, without repeats. Empty only for a batch that calls
    /// no toolset (tools/list, ping …), which runs in the batch lane: up to a hundred messages
    /// and megabytes of replies are too much work for an event loop.
    let toolsets: [String]
    /// Who asked for what, for the log line of a result that came after the deadline (built only
    /// then: the request path does not format strings it will not use).
    let describe: @Sendable () -> String
    /// Dispatches the message: runs the tool call(s) and answers.
    let run: @Sendable () -> MCPAnswer
    /// The answer sent when the deadline passes first.
    let timedOut: @Sendable (CallTimeout) -> MCPAnswer
    /// The answer sent at once when the queue of its (first) lane is full.
    let refused: @Sendable (WorkLane, LaneLimits) -> MCPAnswer
    /// A single tools/call's cancellation and progress (header section 10); nil for batches.
    var control: CallControl? = nil
}

/// A deadline that passed: after how long, and whether the work had started.
struct CallTimeout: Sendable {
    let seconds: Int
    let expiry: CallTicket.Expiry
}

/// What a message will call, worked out on the event loop before it is scheduled: the tool names
/// are resolved (the access layers already resolved a single call's, so that costs nothing), and
/// what the timeout and overload answers need is kept — a few ids and names, never the body, since
/// a deadline entry lives as long as the deadline.
///
/// A single message that calls no toolset (an unknown or ambiguous tool name, a notification, a
/// batch where batches are not allowed) has no plan: the dispatcher answers it at once, on the
/// loop. A 2025-03-26 batch always has one (MCPService+Batches).
struct CallPlan {
    enum Entry: Sendable {
        /// A tools/call whose name resolves to a toolset's tool; `tool` as the client named it.
        case call(id: JSONValue, toolset: String, tool: String)
        /// Another request in a batch (ping, tools/list, a call that will be refused).
        case other(id: JSONValue, method: String)
        /// A malformed message in a batch: its reply is known already.
        case fixed(RPCReply)
    }

    let entries: [Entry]
    let isBatch: Bool
    let era: Era
    let toolsets: [String]

    /// A single message: a plan only when it calls a toolset's tool.
    init?(_ body: JSONValue, caller: Caller, registry: PluginRegistry, era: Era) {
        guard let entry = CallPlan.entry(body, catalog: ToolCatalog(registry: registry, caller: caller)), case .call(_, let toolset, _) = entry
        else { return nil }
        entries = [entry]
        isBatch = false
        toolsets = [toolset]
        self.era = era
    }

    /// A batch: the messages that will run, then the replies already known for the ones that
    /// will not (refused by the burst limit).
    init(batch messages: [JSONValue], answered: [RPCReply], caller: Caller, registry: PluginRegistry, version: String) {
        let catalog = ToolCatalog(registry: registry, caller: caller)
        entries = messages.compactMap { CallPlan.entry($0, catalog: catalog) } + answered.map { .fixed($0) }
        isBatch = true
        var named = Set<String>()
        for case .call(_, let toolset, _) in entries { named.insert(toolset) }
        toolsets = named.sorted()
        era = .legacy(version: version)
    }

    private static func entry(_ message: JSONValue, catalog: ToolCatalog) -> Entry? {
        switch RPCMessage.from(message) {
        case .failure(let reply): return .fixed(reply)
        case .success(let parsed):
            guard let method = parsed.method, let id = parsed.id else { return nil }  // nothing is answered
            guard MCPMethod(rawValue: method) == .toolsCall, let name = parsed.params["name"]?.stringValue,
                  case .success(let tool) = catalog.resolve(name) else { return .other(id: id, method: method) }
            return .call(id: id, toolset: tool.toolset.name, tool: name)
        }
    }

    func deferred(tenant: String, control: CallControl? = nil, run: @escaping @Sendable () -> MCPAnswer) -> DeferredCall {
        DeferredCall(toolsets: toolsets, describe: { [self] in describe(tenant: tenant) }, run: run,
                     timedOut: { [self] in timeoutAnswer($0) }, refused: { [self] in refusal($0, $1) }, control: control)
    }

    // MARK: Answers

    /// A deadline that passed is a tool execution failure, so a call gets a tool result with
    /// `isError` (the model reads it and can decide what to do) rather than a protocol error. It
    /// says whether anything happened: a call that had not started did nothing; one that is still
    /// running may yet change data.
    func timeoutAnswer(_ timeout: CallTimeout) -> MCPAnswer {
        let replies = entries.map { entry -> RPCReply in
            switch entry {
            case .fixed(let reply): return reply
            case .call(let id, let toolset, let tool):
                let result = ToolMethods.errorResult(CallPlan.timeoutText(toolset: toolset, tool: tool, timeout, inBatch: isBatch))
                if case .modern = era { return ModernDispatcher.completed(id: id, result: result) }
                return .result(id: id, result: result)
            case .other(let id, let method):
                return .error(id: id, .internalError("the batch holding this \(method) request did not finish within \(timeout.seconds) s"))
            }
        }
        return MCPAnswer(reply: isBatch ? .batch(replies) : replies[0])
    }

    static func timeoutText(toolset: String, tool: String, _ timeout: CallTimeout, inBatch: Bool) -> String {
        let call = "The call to tool \(tool) of the \(toolset) toolset"
        switch timeout.expiry {
        case .beforeStart:
            return "\(call) timed out after \(timeout.seconds) s before it started (the toolsets it needs were busy with other calls). Nothing was done; it is safe to retry."
        case .whileRunning where inBatch:
            return "\(call) was part of a batch that did not finish within \(timeout.seconds) s. The batch is still running in the background, so whether this call ran and what it changed is unknown: check before you retry."
        case .whileRunning:
            return "\(call) did not finish within \(timeout.seconds) s. It is still running in the background, so its effects are unknown: check before you retry."
        }
    }

    /// 503 with Retry-After, like the connection cap's 503 and the abuse guard's 429: the server is
    /// fine, this toolset (or the batch lane) has more work waiting than it accepts. A batch gets
    /// one error (id null).
    func refusal(_ lane: WorkLane, _ limits: LaneLimits) -> MCPAnswer {
        let id: JSONValue
        if !isBatch, case .call(let callID, _, _) = entries[0] { id = callID } else { id = .null }
        let headers = [("Retry-After", "1")]
        guard case .toolset(let toolset) = lane else {
            let error = RPCError(
                code: RPCCode.busy,
                message: "The server is busy with other batches: \(limits.maxRunning) are running and \(limits.maxQueued) are already waiting; retry in a moment",
                data: ["retry_after_seconds": 1], httpStatus: 503, headers: headers)
            return MCPAnswer(reply: .error(id: id, error))
        }
        let error = RPCError(
            code: RPCCode.busy,
            message: "The \(toolset) toolset is busy: its \(limits.maxRunning) call slot(s) are in use and \(limits.maxQueued) call(s) are already waiting; retry in a moment",
            data: ["toolset": .string(toolset), "retry_after_seconds": 1], httpStatus: 503, headers: headers)
        return MCPAnswer(reply: .error(id: id, error))
    }

    private func describe(tenant: String) -> String {
        let calls = entries.compactMap { entry -> String? in
            guard case .call(let id, let toolset, let tool) = entry else { return nil }
            return "\(toolset)/\(tool) id \(id.jsonString)"
        }
        return "tenant \(tenant), " + (isBatch ? "batch of \(entries.count) (\(calls.joined(separator: ", ")))" : calls[0])
    }
}
