import JSON
import PipelineEngine
import ToolsetKit

// Run inspection (read-only) and execution + recovery (write).

private let readOnly: [ToolAnnotation] = [.readOnly, .idempotent, .closedWorld]

let listRunsTool = Tool(
    name: "list_runs",
    title: "List runs",
    description: "Recent runs, newest first: status, started_at, completed_at, runtime_in_seconds, cluster_id, package_id and last_error for "
        + "failed runs. Filter by package_id or status. Retries (child runs made by retry_job) are left out unless include_retries is true.",
    input: .object(properties: [
        "package_id": Schemas.packageID, "status": .string(enum: RunStatus.allCases.map(\.rawValue)),
        "include_retries": .boolean(description: "Also list child retries (default false)"), "limit": Schemas.limit, "cursor": Schemas.cursor,
    ]),
    output: Schemas.list("runs", of: Schemas.run),
    annotations: readOnly
) { call in
    let p = try PipelinesCall(call)
    var filter = PipelinesStore.RunFilter()
    filter.packageID = try p.arguments.optionalString("package_id")
    filter.status = try p.arguments.optionalString("status").flatMap(RunStatus.init(rawValue:))
    filter.includeRetries = try p.arguments.optionalBool("include_retries") ?? false
    let filters = [filter.packageID ?? "", filter.status?.rawValue ?? "", filter.includeRetries ? "r" : ""]
    let limit = try p.limit()
    let rows = try p.store.runs(filter, before: try p.cursor(.runs, filters: filters), limit: limit)
    let page = Array(rows.prefix(limit))
    let text = page.isEmpty ? "No runs match." : page.map { run in
        "\(run.id)  \(run.packageID) \(run.status.rawValue)" + (run.lastError.map { " — \(oneLinePreview($0, length: 120))" } ?? "")
    }.joined(separator: "\n")
    return .structured(["runs": .array(page.map { $0.json() }),
                        "next_cursor": p.nextCursor(.runs, filters: filters, position: rows.count > limit ? page.last?.seq : nil)], text: text)
}

/// A run's log tail as returned to agents. Lines were scrubbed of the run's passwords when they
/// were written (RunExecution logs through ConnectionOpener.redact), so polling opens no secrets.
func logTail(_ p: PipelinesCall, _ run: Run, lines: Int) throws -> [JSONValue] {
    try p.store.logTail(run.id, lines: lines).map { .string("\(JSONValue.time($0.atMs).stringValue ?? "") \($0.line)") }
}

let getRunTool = Tool(
    name: "get_run",
    title: "Get a run",
    description: "One run with its per-component row counts and a redacted log tail (log_tail_lines, default \(Limits.logTailDefault), max "
        + "\(Limits.logTailMax)). Poll it after run_package.",
    input: .object(properties: ["run_id": Schemas.runID, "log_tail_lines": Schemas.logTail(Limits.logTailDefault)], required: ["run_id"]),
    output: Schemas.run,
    annotations: readOnly
) { call in
    let p = try PipelinesCall(call)
    let run = try p.store.existingRun(try p.arguments.string("run_id"))
    let lines = try p.bounded("log_tail_lines", default: Limits.logTailDefault, max: Limits.logTailMax)
    var object = run.json(retries: try p.store.retries(of: run.id)).objectValue!
    object["log_tail"] = .array(try logTail(p, run, lines: lines))
    return .structured(.object(object), text: "\(run.id): \(run.status.rawValue)" + (run.lastError.map { " — \($0)" } ?? ""))
}

let explainJobFailureTool = Tool(
    name: "explain_job_failure",
    title: "Explain a failed run",
    description: "For a run: its primary error and the component it came from, a redacted log tail (log_tail_lines, default "
        + "\(Limits.explainTailDefault), max \(Limits.logTailMax)), the error patterns found (FATAL, ERROR, exception, auth, connection, schema) "
        + "and suggested next steps.",
    input: .object(properties: ["run_id": Schemas.runID, "log_tail_lines": Schemas.logTail(Limits.explainTailDefault)], required: ["run_id"]),
    output: Schemas.record(["run_id": .string(), "status": .string(), "primary_error": Schema.string().orNull,
                            "failed_component": Schema.string().orNull, "patterns": .array(of: .string()), "suggestions": .array(of: .string()),
                            "log_tail": .array(of: .string())],
                           required: ["run_id", "status", "primary_error", "failed_component", "patterns", "suggestions", "log_tail"]),
    annotations: readOnly
) { call in
    let p = try PipelinesCall(call)
    let run = try p.store.existingRun(try p.arguments.string("run_id"))
    let lines = try p.bounded("log_tail_lines", default: Limits.explainTailDefault, max: Limits.logTailMax)
    let tail = try logTail(p, run, lines: lines)
    let diagnosis = FailureDiagnosis(run: run, log: tail.compactMap(\.stringValue))
    let object: JSONObject = [
        "run_id": .string(run.id), "status": .string(run.status.rawValue), "package_id": .string(run.packageID),
        "primary_error": .nullable(diagnosis.primaryError), "failed_component": .nullable(run.errorComponent),
        "patterns": .array(diagnosis.patterns.map { .string($0.rawValue) }), "suggestions": .array(diagnosis.suggestions.map { .string($0) }),
        "log_tail": .array(tail),
    ]
    return .structured(.object(object), text: diagnosis.summary)
}

let runPackageTool = Tool(
    name: "run_package",
    title: "Run a package",
    description: "Submits a package for execution and returns the run_id at once (it does not wait). Poll get_run. Optional cluster_id "
        + "(default: the workspace's first cluster; a terminated cluster starts again), variables (override the package's defaults) and "
        + "dynamic_variables (expressions evaluated once when the run is submitted, e.g. \"upper($region)\").",
    input: .object(properties: ["package_id": Schemas.packageID, "cluster_id": Schemas.clusterID, "variables": Schemas.variables,
                                "dynamic_variables": Schema.object(description: "name → expression", additionalProperties: true)],
                   required: ["package_id"]),
    output: Schemas.run,
    annotations: [.notReadOnly, .notDestructive, .notIdempotent, .openWorld]
) { call in
    let p = try PipelinesCall(call)
    let run = try p.write {
        let package = try p.store.existingPackage(try p.arguments.string("package_id"))
        guard package.status == .active else { throw ToolError("Package \(package.id) is archived; it cannot run") }
        let cluster = try p.arguments.optionalString("cluster_id").map { try p.store.existingCluster($0) } ?? p.store.defaultCluster()
        let variables = try runVariables(p, package: package)
        return try p.store.createRun(PipelinesStore.NewRun(package: package, cluster: cluster, parentRunID: nil, variables: variables,
                                                           startedBy: p.who, startedByName: p.whoName))
    }
    return try submit(p, run, message: "Started \(run.id); poll get_run for its status.")
}

/// The run's variables: `variables` as given, then each dynamic variable evaluated once.
private func runVariables(_ p: PipelinesCall, package: Package) throws -> JSONObject {
    var variables = try PackageEdits.variables(JSONObject(), set: try p.arguments.optionalObject("variables"), remove: [])
    for (name, value) in try p.arguments.optionalObject("dynamic_variables")?.members ?? [] {
        guard VariableRules.isName(name), let text = value.stringValue else { throw ToolError("dynamic_variables: \(name) must map a variable name to an expression") }
        let known = VariableRules.values(defaults: package.variables, overrides: variables)
        do {
            let expression = try Expression.parse(text).bind(to: RowSchema([]), variables: known)
            variables[name] = try expression.evaluate([]).json
        } catch {
            throw ToolError("dynamic_variables: \(name) = \"\(oneLinePreview(text, length: 100))\": \(error.message)")
        }
    }
    return variables
}

/// Queues the run's job; a run that cannot be queued is failed, not left waiting forever.
private func submit(_ p: PipelinesCall, _ run: Run, message: String) throws -> ToolResult {
    do {
        let jobID = try p.call.enqueue(JobRequest(kind: JobKind.run, payload: ["run_id": .string(run.id)], idempotencyKey: run.id))
        try p.store.setJob(run.id, jobID: jobID)
    } catch let error as JobServiceError {
        try p.store.finish(run.id, status: .failed, error: "could not be queued: \(error.message)", component: nil, componentRows: [], rowsWritten: 0)
        throw ToolError("The run could not be queued (\(error.message)); nothing ran.")
    }
    p.audit(.runStarted, ["run_id": .string(run.id), "package_id": .string(run.packageID), "cluster_id": .string(run.clusterID),
                          "parent_run_id": .nullable(run.parentRunID)])
    return .structured(try p.store.existingRun(run.id).json(), text: message)
}

let cancelJobTool = Tool(
    name: "cancel_job",
    title: "Cancel a run",
    description: "Cancels a queued or running run by run_id: a queued run is cancelled at once, a running one stops at its next check (within "
        + "about a second) and rolls back every destination. Idempotent: on a finished run it returns the current status without an error.",
    input: .object(properties: ["run_id": Schemas.runID], required: ["run_id"]),
    output: Schemas.run,
    annotations: [.notReadOnly, .notDestructive, .idempotent, .closedWorld]
) { call in
    let p = try PipelinesCall(call)
    let run = try p.store.existingRun(try p.arguments.string("run_id"))
    guard !run.status.isFinished else {
        return .structured(run.json(), text: "\(run.id) is already \(run.status.rawValue); nothing to cancel.")
    }
    try p.write {
        try p.store.requestCancel(run.id)
        if run.status == .queued {
            try p.store.finish(run.id, status: .cancelled, error: "cancelled by cancel_job before it started", component: nil, componentRows: [], rowsWritten: 0)
            try p.store.appendLog(run.id, "INFO cancelled by \(p.whoName) before it started")
        } else {
            try p.store.appendLog(run.id, "INFO cancel requested by \(p.whoName)")
        }
    }
    if let jobID = run.jobID { try? p.call.cancelJob(jobID) }
    p.audit(.runCancelRequested, ["run_id": .string(run.id), "status_before": .string(run.status.rawValue)])
    let now = try p.store.existingRun(run.id)
    return .structured(now.json(), text: now.status == .cancelled ? "\(run.id) is cancelled." : "\(run.id) is stopping; poll get_run.")
}

let retryJobTool = Tool(
    name: "retry_job",
    title: "Retry a run",
    description: "Retries a failed (or cancelled) run: creates a new child run of the package's current version with the same variables, "
        + "optionally on another cluster_id. The original run is kept for history. Returns the new run.",
    input: .object(properties: ["run_id": Schemas.runID, "cluster_id": Schemas.clusterID], required: ["run_id"]),
    output: Schemas.run,
    annotations: [.notReadOnly, .notDestructive, .notIdempotent, .openWorld]
) { call in
    let p = try PipelinesCall(call)
    let child = try p.write {
        let original = try p.store.existingRun(try p.arguments.string("run_id"))
        guard original.status == .failed || original.status == .cancelled else {
            throw ToolError("Run \(original.id) is \(original.status.rawValue); only failed or cancelled runs can be retried")
        }
        let package = try p.store.existingPackage(original.packageID)
        guard package.status == .active else { throw ToolError("Package \(package.id) is archived; it cannot run") }
        let cluster = try p.store.existingCluster(try p.arguments.optionalString("cluster_id") ?? original.clusterID)
        let child = try p.store.createRun(PipelinesStore.NewRun(package: package, cluster: cluster, parentRunID: original.id, variables: original.variables,
                                                                startedBy: p.who, startedByName: p.whoName))
        try p.store.appendLog(child.id, "INFO retry of \(original.id)")
        return child
    }
    return try submit(p, child, message: "Started \(child.id), a retry of \(child.parentRunID ?? ""); poll get_run.")
}
