import JSON
import SQLite
import ToolsetKit

// Schedules: cron timers (kept by the host, header section 8) that run a package.
extension PipelinesStore {
    private static let scheduleSelect = """
        SELECT seq, id, name, package_id, cluster_id, cron, time_zone, enabled, variables_json, created_ms, created_by, updated_ms,
               last_fired_ms, last_run_id FROM schedules
        """

    private static func schedule(_ row: Row) -> PipelineSchedule {
        PipelineSchedule(seq: row.int64(0), id: row.string(1), name: row.string(2), packageID: row.string(3), clusterID: row.optionalString(4),
                         cron: row.string(5), timeZone: row.string(6), enabled: row.int(7) != 0,
                         variables: JSONValue(storedText: row.string(8)).objectValue ?? JSONObject(), createdMs: row.int64(9), createdBy: row.string(10),
                         updatedMs: row.int64(11), lastFiredMs: row.optionalInt64(12), lastRunID: row.optionalString(13))
    }

    func schedules(packageID: String?, enabled: Bool?, after: Int64?, limit: Int) throws -> [PipelineSchedule] {
        try database.query("""
            \(Self.scheduleSelect) WHERE seq > ? AND (? IS NULL OR package_id = ?) AND (? IS NULL OR enabled = ?) ORDER BY seq LIMIT ?
            """, [.int(after ?? 0), SQLValue(packageID), SQLValue(packageID), enabled.map { .int($0 ? 1 : 0) } ?? .null,
                  enabled.map { .int($0 ? 1 : 0) } ?? .null, Self.pageLimit(limit)], Self.schedule)
    }

    func schedule(_ idOrName: String) throws -> PipelineSchedule? {
        try database.queryOne("\(Self.scheduleSelect) WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1",
                              [.text(idOrName), .text(idOrName), .text(idOrName)], Self.schedule)
    }

    func existingSchedule(_ id: String) throws -> PipelineSchedule {
        guard let schedule = try schedule(id) else { throw ToolError.unknown("schedule", id, hint: "list_schedules lists them") }
        return schedule
    }

    struct NewSchedule {
        var name: String
        var packageID: String
        var clusterID: String?
        var cron: String
        var timeZone: String
        var variables: JSONObject
    }

    func createSchedule(_ new: NewSchedule, by: String) throws -> PipelineSchedule {
        guard try schedule(new.name) == nil else { throw ToolError("A schedule named \"\(new.name)\" already exists") }
        let id = randomID("sch_")
        try database.run("""
            INSERT INTO schedules (id, name, package_id, cluster_id, cron, time_zone, enabled, variables_json, created_ms, created_by, updated_ms)
            VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)
            """, [.text(id), .text(new.name), .text(new.packageID), SQLValue(new.clusterID), .text(new.cron), .text(new.timeZone),
                  .text(JSONValue.object(new.variables).jsonString), .int(now), .text(by), .int(now)])
        return try existingSchedule(id)
    }

    func setEnabled(_ schedule: PipelineSchedule, _ enabled: Bool) throws {
        try database.run("UPDATE schedules SET enabled = ?, updated_ms = ? WHERE id = ?", [.int(enabled ? 1 : 0), .int(now), .text(schedule.id)])
    }

    func recordFired(_ schedule: PipelineSchedule, runID: String?) throws {
        try database.run("UPDATE schedules SET last_fired_ms = ?, last_run_id = coalesce(?, last_run_id) WHERE id = ?",
                         [.int(now), SQLValue(runID), .text(schedule.id)])
    }

    func deleteSchedule(_ schedule: PipelineSchedule) throws {
        try database.run("DELETE FROM schedules WHERE id = ?", [.text(schedule.id)])
    }
}
