import JSON
import ToolsetKit

// `toolhost pipelines schedule …`: schedules are created by operators; agents list, read and toggle them.

enum ScheduleAction: String, CaseIterable { case create, list, delete, enable, disable }

let scheduleCommand = OperatorCommand(
    group: "pipelines", name: "schedule", title: "Schedules",
    summary: "create --package ID --name N --cron \"M H DOM MON DOW\" [--time-zone Z] [--cluster C] [--variables JSON] | list | "
        + "delete ID | enable ID | disable ID; create prints the schedule's id",
    description: "A schedule runs its package each time its 5-field cron expression fires in its time zone (IANA, default UTC), while the "
        + "daemon runs; a run missed while it was down is caught up once at start-up.",
    input: Schema.object(properties: [
        "action": .string(description: "create, list, delete, enable or disable", enum: ScheduleAction.allCases.map(\.rawValue)),
        "id": .string(description: "the schedule's id (delete, enable, disable)", maxLength: 64),
        "package": .string(description: "the package to run (create)", minLength: 1, maxLength: 64),
        "name": .string(description: "the schedule's name (create)", minLength: 1, maxLength: Limits.nameLength),
        "cron": .string(description: "minute hour day-of-month month day-of-week (create)", minLength: 9, maxLength: 200),
        "time-zone": .string(description: "IANA time zone, e.g. Europe/Berlin (create; default UTC)", minLength: 1, maxLength: 64),
        "cluster": .string(description: "the cluster to run on (create; default: the oldest)", maxLength: 64),
        "variables": .string(description: "run variables as a JSON object (create)", maxLength: 16_384),
    ], required: ["action"]).positional("action", "id"),
    output: Schema.object(properties: ["schedules": .array(of: Schemas.schedule)], required: ["schedules"], additionalProperties: true),
    view: .table(rows: "/schedules", columns: [.init("id", "Schedule"), .init("name", "Name"), .init("cron", "Cron"), .init("next_run_at", "Next run"),
                                              .init("enabled", "Enabled")],
                 rowActions: [.init("schedule", label: "Disable", args: ["action": "disable", "id": "{id}"]),
                              .init("schedule", label: "Enable", args: ["action": "enable", "id": "{id}"])]),
    annotations: [.notDestructive], toolset: "pipelines", role: .admin
) { ctx, args in
    let op = try OperatorCall(ctx, args)
    let now = op.store.now
    switch try op.action(ScheduleAction.self) {
    case .create:
        let schedule = try createSchedule(op)
        return .ok(text: schedule.id, data: ["schedules": [schedule.json(nextRunMs: schedule.nextRun(after: now))]])
    case .list:
        let rows = try op.store.schedules(packageID: nil, enabled: nil, after: nil, limit: 10_000)
        let text = rows.isEmpty ? "No schedules; create one with toolhost pipelines schedule create --tenant T --package ID --name N --cron \"…\""
            : textTable(["SCHEDULE", "ENABLED", "CRON", "ZONE", "NEXT RUN", "PACKAGE", "NAME"], rows.map {
                [$0.id, $0.enabled ? "yes" : "no", $0.cron, $0.timeZone, $0.enabled ? JSONValue.time($0.nextRun(after: now)).stringValue ?? "never" : "-",
                 $0.packageID, $0.name]
            })
        return .ok(text: text, data: ["schedules": .array(rows.map { $0.json(nextRunMs: $0.nextRun(after: now)) })])
    case .delete, .enable, .disable:
        let action = try op.action(ScheduleAction.self)
        guard let id = try op.values.optionalString("id") else { throw ToolError("schedule \(action.rawValue) needs the schedule's ID") }
        let schedule = try op.write {
            let schedule = try op.store.existingSchedule(id)
            switch action {
            case .delete: try op.store.deleteSchedule(schedule)
            default:
                if action == .enable, let package = try op.store.packageSummary(schedule.packageID), package.status == .archived {
                    throw ToolError("schedule \(schedule.name) runs archived package \(package.id); it cannot be enabled")
                }
                try op.store.setEnabled(schedule, action == .enable)
            }
            return schedule
        }
        var after = schedule
        after.enabled = action == .enable
        try ScheduleTimer.apply(after, setter: op.context.setSchedule, deleter: op.context.deleteSchedule)
        op.audit(action == .delete ? .scheduleDeleted : .scheduleToggled, ["schedule_id": .string(schedule.id), "action": .string(action.rawValue)])
        return .ok(text: "Schedule \(schedule.id) \(action == .delete ? "deleted" : action.rawValue + "d")",
                   data: ["schedules": action == .delete ? [] : [after.json(nextRunMs: after.nextRun(after: now))]])
    }
}

private func createSchedule(_ op: OperatorCall) throws -> PipelineSchedule {
    let v = op.values
    guard let packageID = try v.optionalString("package"), let given = try v.optionalString("name"), let cron = try v.optionalString("cron") else {
        throw ToolError("schedule create needs --package, --name and --cron")
    }
    let zone = try v.optionalString("time-zone") ?? "UTC"
    // The host's evaluator decides what is valid (the same one that will fire it).
    do { _ = try Cron.next(cron, timeZone: zone, after: op.store.now) } catch { throw ToolError(error.message) }
    var variables = JSONObject()
    if let text = try v.optionalString("variables") {
        guard let object = (try? JSONParser.parse(text))?.objectValue else { throw ToolError("--variables must be a JSON object, e.g. '{\"region\": \"eu\"}'") }
        variables = try PackageEdits.variables(JSONObject(), set: object, remove: [])
    }
    let schedule = try op.write {
        let package = try op.store.existingPackage(packageID)
        guard package.status == .active else { throw ToolError("package \(package.id) is archived") }
        let cluster = try v.optionalString("cluster").map { try op.store.existingCluster($0).id }
        return try op.store.createSchedule(PipelinesStore.NewSchedule(
            name: try TextRules.required(given, "name", max: Limits.nameLength, trimmed: true), packageID: package.id, clusterID: cluster,
            cron: cron, timeZone: zone, variables: variables), by: op.who)
    }
    do {
        try ScheduleTimer.apply(schedule, setter: op.context.setSchedule, deleter: op.context.deleteSchedule)
    } catch {
        try op.write { try op.store.deleteSchedule(schedule) }
        throw ToolError("\(error); nothing was created")
    }
    op.audit(.scheduleCreated, ["schedule_id": .string(schedule.id), "package_id": .string(schedule.packageID), "cron": .string(cron),
                                "time_zone": .string(zone)])
    return schedule
}
