import JSON

/// Tool calls a job makes for whoever started it (header section 12): a workflow recipe's step
/// that adds a kanban card. The call goes through the same access layers and tool methods as a
/// client's request, as the token that triggered the job, so a recipe can never do more than
/// that token; the token is read again for every call, so revoking it stops the next step.
final class CallsOnBehalf: Sendable {
    private let access: AccessControl
    private let tools: ToolMethods
    private let jobs: @Sendable () -> JobStore?

    init(access: AccessControl, tools: ToolMethods, jobs: @escaping @Sendable () -> JobStore?) {
        self.access = access
        self.tools = tools
        self.jobs = jobs
    }

    /// `{"result": CallToolResult}` when the tool ran, `{"error": JSON-RPC error}` when anything
    /// refused it: exactly what a client would have been answered.
    func call(_ tool: String, arguments: JSONValue, job: JobIdentity, tenant: String) -> JSONObject {
        let outcome = principal(of: job, tenant: tenant).flatMap { tokenID in
            access.admitOnBehalf(tokenID: tokenID, tenant: tenant, tool: tool, client: "job:" + job.id)
        }.flatMap { caller in
            tools.call(["name": .string(tool), "arguments": arguments], caller: caller, protocolVersion: ProtocolVersion.modern[0])
        }
        switch outcome {
        case .success(let result): return ["result": .object(result)]
        case .failure(let error): return ["error": error.json]
        }
    }

    /// Jobs enqueued by jobs act for whoever started the first one; at most this many links are followed.
    private static let maxChain = 16

    /// The token id ("tok_…") the job acts for, or why it acts for nobody.
    private func principal(of job: JobIdentity, tenant: String) -> Result<String, RPCError> {
        var startedBy = job.startedBy
        for _ in 0..<Self.maxChain {
            if startedBy.hasPrefix("tok_") { return .success(startedBy) }
            guard startedBy.hasPrefix("job:"), let store = jobs(),
                  let parent = try? store.job(id: String(startedBy.dropFirst(4)), tenant: tenant) else { break }
            startedBy = parent.startedBy
        }
        let denial = Denial.jobWithoutToken(job: job.id, startedBy: job.startedBy)
        access.record(denial, target: Target(tenant: tenant, toolset: nil, tool: nil, client: "job:" + job.id), tokenID: nil, tokenName: nil)
        return .failure(RPCError(denial))
    }
}
