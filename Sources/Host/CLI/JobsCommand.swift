import JSON

/// `toolhost jobs list|show|cancel|schedules --tenant T`: the background jobs plugins queued for a
/// tenant (ABI 1.2, header section 8), who started each, and how it went.
enum JobsCommand {
    static let listSpec = CommandSpec(
        "jobs list", summary: "List a tenant's jobs, newest first: state, kind, attempts, who started it.",
        options: [
            .valued("tenant", "T", "the tenant whose jobs to list", required: true),
            .valued("state", "STATE", "only jobs in this state: " + JobState.allCases.map(\.rawValue).joined(separator: ", ")),
            .valued("limit", "N", "at most N jobs (default 100)"),
            .json,
        ])
    static let showSpec = CommandSpec(
        "jobs show", operands: "ID", summary: "Show one job: payload, attempts, output or last error, why it is held.",
        options: [.valued("tenant", "T", "the tenant the job belongs to", required: true), .json])
    static let cancelSpec = CommandSpec(
        "jobs cancel", operands: "ID",
        summary: "Cancel a job: a queued one never starts; a running one is asked to stop (its plugin sees it within a second).",
        options: [.valued("tenant", "T", "the tenant the job belongs to", required: true), .json])
    static let schedulesSpec = CommandSpec(
        "jobs schedules", summary: "List a tenant's schedules: cron, time zone, job kind, last and next run.",
        options: [.valued("tenant", "T", "the tenant whose schedules to list", required: true), .json])
    static let forms = [listSpec, showSpec, cancelSpec, schedulesSpec]

    static func run(_ words: ArraySlice<String>) throws -> Int32 {
        var words = words
        guard let action = words.popFirst() else { throw Arguments.UsageError("jobs needs an action: \(CommandSpec.actions(forms))") }
        switch action {
        case "list":
            let arguments = try Arguments(words, for: listSpec)
            return try list(arguments)
        case "show", "cancel":
            let spec = action == "show" ? showSpec : cancelSpec
            let arguments = try Arguments(words, for: spec)
            guard arguments.positionals.count == 1 else { throw Arguments.UsageError("usage: \(spec.synopsis)") }
            return action == "show" ? try show(arguments.positionals[0], arguments) : try cancel(arguments.positionals[0], arguments)
        case "schedules":
            return try schedules(try Arguments(words, for: schedulesSpec))
        default:
            throw Arguments.UsageError("unknown jobs action \"\(action)\" (\(CommandSpec.actions(forms)))")
        }
    }

    private static func store(_ arguments: Arguments) throws -> (JobStore, String) {
        let tenant = try arguments.required("tenant")
        let runtime = try makeRuntime(arguments)
        guard try runtime.withStore({ try $0.tenant(named: tenant) }) != nil else { throw CommandError("no tenant named \"\(tenant)\"") }
        guard let store = runtime.jobs.store else { throw CommandError("cannot open the job queue (see the log line above)") }
        return (store, tenant)
    }

    private static func list(_ arguments: Arguments) throws -> Int32 {
        let state = try arguments.value("state").map { text in
            guard let state = JobState(rawValue: text) else {
                throw Arguments.UsageError("--state must be one of \(JobState.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(text)\"")
            }
            return state
        }
        let limit = try arguments.value("limit").map { text in
            guard let value = Int(text), value > 0 else { throw Arguments.UsageError("--limit must be a positive integer, not \"\(text)\"") }
            return value
        } ?? 100
        let (store, tenant) = try store(arguments)
        let jobs = try store.jobs(tenant: tenant, state: state, limit: limit)
        if arguments.has("json") {
            print(JSONValue.array(jobs.map(describe)).jsonString)
            return 0
        }
        printTable(["ID", "KIND", "STATE", "ATTEMPTS", "CREATED", "STARTED BY", "NOTE"], jobs.map { job in
            [job.id, job.kind, job.state.rawValue, "\(job.attempt)/\(job.maxAttempts)", formatTime(job.createdMs), job.startedBy,
             job.heldReason ?? (job.state == .failed ? job.lastError ?? "" : (job.cancelRequested && job.state == .running ? "stopping" : ""))]
        })
        if jobs.isEmpty { printError("No jobs\(state.map { " in state \($0.rawValue)" } ?? "") for tenant \(tenant).") }
        return 0
    }

    private static func show(_ id: String, _ arguments: Arguments) throws -> Int32 {
        let (store, tenant) = try store(arguments)
        guard let job = try store.job(id: id, tenant: tenant) else { throw CommandError("no job \(id) for tenant \(tenant)") }
        if arguments.has("json") {
            print(describe(job).jsonString)
            return 0
        }
        let rows: [(String, String)] = [
            ("id", job.id), ("kind", job.kind), ("plugin", job.plugin), ("state", job.state.rawValue),
            ("attempts", "\(job.attempt) of \(job.maxAttempts)"), ("started by", job.startedBy),
            ("created", formatTime(job.createdMs)), ("runs at", formatTime(job.runAtMs)), ("started", formatTime(job.startedMs)),
            ("finished", formatTime(job.finishedMs)), ("payload", job.payload),
        ] + [("held", job.heldReason), ("output", job.output), ("last error", job.lastError),
             ("idempotency key", job.idempotencyKey), ("cancel requested", job.cancelRequested ? "yes" : nil)]
            .compactMap { label, value in value.map { (label, $0) } }
        print(formatRows(rows, indent: ""))
        return 0
    }

    private static func cancel(_ id: String, _ arguments: Arguments) throws -> Int32 {
        let (store, tenant) = try store(arguments)
        let outcome = try store.cancel(id: id, tenant: tenant)
        switch outcome {
        case .cancelled: printError("Cancelled \(id); it will not run.")
        case .willStop: printError("Asked \(id) to stop; it ends as cancelled when its plugin returns.")
        case .alreadyFinished(let state): throw CommandError("\(id) has already ended (\(state.rawValue))")
        case .notFound: throw CommandError("no job \(id) for tenant \(tenant)")
        }
        if arguments.has("json") {
            print(JSONValue.object(["id": .string(id), "outcome": .string(outcome == .cancelled ? "cancelled" : "stopping")]).jsonString)
        }
        return 0
    }

    private static func schedules(_ arguments: Arguments) throws -> Int32 {
        let (store, tenant) = try store(arguments)
        let schedules = try store.schedules(tenant: tenant)
        if arguments.has("json") {
            print(JSONValue.array(schedules.map { schedule in
                ["plugin": .string(schedule.plugin), "name": .string(schedule.name), "cron": .string(schedule.cron),
                 "time_zone": .string(schedule.timeZone), "kind": .string(schedule.kind), "payload": .string(schedule.payload),
                 "last_run": schedule.lastRunMs.map { .string(formatTime($0)) } ?? .null,
                 "next_run": schedule.nextRunMs.map { .string(formatTime($0)) } ?? .null, "created_by": .string(schedule.createdBy)]
            }).jsonString)
            return 0
        }
        printTable(["PLUGIN", "NAME", "CRON", "TIME ZONE", "KIND", "LAST RUN", "NEXT RUN"], schedules.map { schedule in
            [schedule.plugin, schedule.name, schedule.cron, schedule.timeZone, schedule.kind, formatTime(schedule.lastRunMs), formatTime(schedule.nextRunMs)]
        })
        if schedules.isEmpty { printError("No schedules for tenant \(tenant).") }
        return 0
    }

    static func describe(_ job: JobRecord) -> JSONValue {
        func text(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        func time(_ ms: Int64?) -> JSONValue { ms.map { .string(formatTime($0)) } ?? .null }
        return [
            "id": .string(job.id), "tenant": .string(job.tenant), "plugin": .string(job.plugin), "kind": .string(job.kind),
            "state": .string(job.state.rawValue), "attempt": .int(Int64(job.attempt)), "max_attempts": .int(Int64(job.maxAttempts)),
            "payload": (try? JSONParser.parse(job.payload)) ?? .string(job.payload),
            "created": time(job.createdMs), "run_at": time(job.runAtMs), "started": time(job.startedMs), "finished": time(job.finishedMs),
            "started_by": .string(job.startedBy), "idempotency_key": text(job.idempotencyKey),
            "output": job.output.flatMap { try? JSONParser.parse($0) } ?? .null, "last_error": text(job.lastError),
            "held_reason": text(job.heldReason), "cancel_requested": .bool(job.cancelRequested),
        ]
    }
}
