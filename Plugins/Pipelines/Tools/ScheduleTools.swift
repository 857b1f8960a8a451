import JSON
import PluginABI
import ToolsetKit

// Schedules: operators create them (toolhost pipelines schedule create); agents list, read and toggle.

let listSchedulesTool = Tool(
    name: "list_schedules",
    title: "List schedules",
    description: "Schedules with name, package_id, cron, time_zone, next_run_at and enabled. Filter by package_id or enabled.",
    input: .object(properties: ["package_id": Schemas.packageID, "enabled": .boolean(), "limit": Schemas.limit, "cursor": Schemas.cursor]),
    output: Schemas.list("schedules", of: Schemas.schedule),
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let p = try PipelinesCall(call)
    let packageID = try p.arguments.optionalString("package_id")
    let enabled = try p.arguments.optionalBool("enabled")
    let filters = [packageID ?? "", enabled.map { $0 ? "1" : "0" } ?? ""]
    let limit = try p.limit()
    let rows = try p.store.schedules(packageID: packageID, enabled: enabled, after: try p.cursor(.schedules, filters: filters), limit: limit)
    let page = Array(rows.prefix(limit))
    let now = p.store.now
    let text = page.isEmpty ? "No schedules match." : page.map {
        "\($0.id)  \($0.name): \($0.cron) \($0.timeZone) → \($0.packageID) (\($0.enabled ? "enabled" : "disabled"))"
    }.joined(separator: "\n")
    return .structured(["schedules": .array(page.map { $0.json(nextRunMs: $0.nextRun(after: now)) }),
                        "next_cursor": p.nextCursor(.schedules, filters: filters, position: rows.count > limit ? page.last?.seq : nil)], text: text)
}

let getScheduleTool = Tool(
    name: "get_schedule",
    title: "Get a schedule",
    description: "One schedule with its full cron expression, time zone, variables and timing (next_run_at, last_fired_at, last_run_id).",
    input: .object(properties: ["schedule_id": Schemas.scheduleID], required: ["schedule_id"]),
    output: Schemas.schedule,
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let p = try PipelinesCall(call)
    let schedule = try p.store.existingSchedule(try p.arguments.string("schedule_id"))
    let next = schedule.nextRun(after: p.store.now)
    return .structured(schedule.json(nextRunMs: next), text: "\(schedule.name): \(schedule.cron) (\(schedule.timeZone)), "
        + (schedule.enabled ? "next run \(JSONValue.time(next).stringValue ?? "never")" : "disabled"))
}

let toggleScheduleTool = Tool(
    name: "toggle_schedule",
    title: "Enable or disable a schedule",
    description: "Enables or disables a schedule by schedule_id (enabled: true or false). A disabled schedule fires nothing until enabled again.",
    input: .object(properties: ["schedule_id": Schemas.scheduleID, "enabled": .boolean()], required: ["schedule_id", "enabled"]),
    output: Schemas.schedule,
    annotations: [.notReadOnly, .notDestructive, .idempotent, .closedWorld]
) { call in
    let p = try PipelinesCall(call)
    let enabled = try p.arguments.bool("enabled")
    let schedule = try p.write {
        let schedule = try p.store.existingSchedule(try p.arguments.string("schedule_id"))
        if enabled, let package = try p.store.packageSummary(schedule.packageID), package.status == .archived {
            throw ToolError("Schedule \(schedule.name) runs package \(package.id), which is archived; it cannot be enabled")
        }
        try p.store.setEnabled(schedule, enabled)
        return try p.store.existingSchedule(schedule.id)
    }
    try ScheduleTimer.apply(schedule, setter: p.call.setSchedule, deleter: p.call.deleteSchedule)
    p.audit(.scheduleToggled, ["schedule_id": .string(schedule.id), "enabled": .bool(enabled)])
    let next = schedule.nextRun(after: p.store.now)
    return .structured(schedule.json(nextRunMs: next), text: "\(schedule.name) is \(enabled ? "enabled" : "disabled").")
}

/// Keeps the host's timer (header section 8) in step with a schedule row: present while enabled.
enum ScheduleTimer {
    static func apply(_ schedule: PipelineSchedule, setter: (Schedule) throws(JobServiceError) -> Void,
                      deleter: (String) throws(JobServiceError) -> Void) throws {
        if schedule.enabled {
            try setter(Schedule(name: schedule.hostScheduleName, cron: schedule.cron, timeZone: schedule.timeZone, kind: JobKind.scheduled,
                                payload: ["schedule_id": .string(schedule.id)]))
        } else {
            do { try deleter(schedule.hostScheduleName) } catch let error where error.status == TH_NOT_FOUND {}
        }
    }
}
