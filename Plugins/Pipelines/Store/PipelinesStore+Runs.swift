import JSON
import SQLite
import ToolsetKit

// Runs and their logs.
extension PipelinesStore {
    private static let runSelect = """
        SELECT seq, id, package_id, package_version, cluster_id, parent_run_id, status, variables_json, job_id, started_by, started_by_name,
               attempt, created_ms, started_ms, completed_ms, cancel_requested, last_error, error_component, component_rows, rows_written FROM runs
        """

    private static func run(_ row: Row) -> Run {
        Run(seq: row.int64(0), id: row.string(1), packageID: row.string(2), packageVersion: row.int(3), clusterID: row.string(4),
            parentRunID: row.optionalString(5), status: RunStatus(rawValue: row.string(6)) ?? .failed, variables: JSONValue(storedText: row.string(7)).objectValue ?? JSONObject(),
            jobID: row.optionalString(8), startedBy: row.string(9), startedByName: row.string(10), attempt: row.int(11), createdMs: row.int64(12),
            startedMs: row.optionalInt64(13), completedMs: row.optionalInt64(14), cancelRequested: row.int(15) != 0, lastError: row.optionalString(16),
            errorComponent: row.optionalString(17), componentRows: JSONValue(storedText: row.string(18)), rowsWritten: row.int(19))
    }

    struct RunFilter {
        var packageID: String?
        var status: RunStatus?
        var includeRetries = false
    }

    /// Newest first (a page continues with older runs).
    func runs(_ filter: RunFilter, before: Int64?, limit: Int) throws -> [Run] {
        try database.query("""
            \(Self.runSelect) WHERE seq < ? AND (? IS NULL OR package_id = ?) AND (? IS NULL OR status = ?) AND (? OR parent_run_id IS NULL)
            ORDER BY seq DESC LIMIT ?
            """, [.int(before ?? Int64.max), SQLValue(filter.packageID), SQLValue(filter.packageID), SQLValue(filter.status?.rawValue),
                  SQLValue(filter.status?.rawValue), .int(filter.includeRetries ? 1 : 0), Self.pageLimit(limit)], Self.run)
    }

    func run(_ id: String) throws -> Run? { try database.queryOne("\(Self.runSelect) WHERE id = ?", [.text(id)], Self.run) }

    func existingRun(_ id: String) throws -> Run {
        guard let run = try run(id) else { throw ToolError.unknown("run", id, hint: "list_runs lists them") }
        return run
    }

    func activeRunCount() throws -> Int {
        try database.queryOne("SELECT count(*) FROM runs WHERE status IN ('queued', 'running')", []) { $0.int(0) } ?? 0
    }

    func retries(of runID: String) throws -> [String] {
        try database.query("SELECT id FROM runs WHERE parent_run_id = ? ORDER BY seq", [.text(runID)]) { $0.string(0) }
    }

    struct NewRun {
        var package: Package
        var cluster: Cluster
        var parentRunID: String?
        var variables: JSONObject
        var startedBy: String
        var startedByName: String
    }

    func createRun(_ new: NewRun) throws -> Run {
        let active = try activeRunCount()
        guard active < Limits.activeRuns else {
            throw ToolError("\(active) runs are already queued or running in this workspace, the limit; nothing was started. "
                + "Try again when some have finished (list_runs with status running).")
        }
        let id = randomID("run_")
        try database.run("""
            INSERT INTO runs (id, package_id, package_version, cluster_id, parent_run_id, status, variables_json, started_by, started_by_name, created_ms)
            VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)
            """, [.text(id), .text(new.package.id), .int(Int64(new.package.version)), .text(new.cluster.id), SQLValue(new.parentRunID),
                  .text(JSONValue.object(new.variables).jsonString), .text(new.startedBy), .text(new.startedByName), .int(now)])
        if try ensureStarted(new.cluster) {
            try appendLog(id, "INFO cluster \(new.cluster.name) was terminated (idle); starting it again")
        }
        try appendLog(id, "INFO queued on cluster \(new.cluster.name) by \(new.startedByName) (package \(new.package.id) version \(new.package.version))")
        return try existingRun(id)
    }

    func setJob(_ runID: String, jobID: String) throws {
        try database.run("UPDATE runs SET job_id = ? WHERE id = ?", [.text(jobID), .text(runID)])
    }

    /// queued → running, only when the cluster has a free node. False: wait.
    func claimNode(_ run: Run, nodes: Int, attempt: Int) throws -> Bool {
        try database.run("""
            UPDATE runs SET status = 'running', started_ms = ?, attempt = ?
            WHERE id = ? AND status = 'queued' AND (SELECT count(*) FROM runs WHERE cluster_id = ? AND status = 'running') < ?
            """, [.int(now), .int(Int64(attempt)), .text(run.id), .text(run.clusterID), .int(Int64(nodes))])
        return database.changes == 1
    }

    /// A run found 'running' when its job starts again was interrupted (daemon stopped or killed):
    /// its destinations were never committed, so it goes back to the queue and runs from the start.
    func requeueInterrupted(_ run: Run) throws {
        try database.run("UPDATE runs SET status = 'queued', started_ms = NULL WHERE id = ? AND status = 'running'", [.text(run.id)])
    }

    func finish(_ runID: String, status: RunStatus, error: String?, component: String?, componentRows: JSONValue, rowsWritten: Int) throws {
        try database.run("""
            UPDATE runs SET status = ?, completed_ms = ?, last_error = ?, error_component = ?, component_rows = ?, rows_written = ?
            WHERE id = ? AND status IN ('queued', 'running')
            """, [.text(status.rawValue), .int(now), SQLValue(error), SQLValue(component), .text(componentRows.jsonString), .int(Int64(rowsWritten)),
                  .text(runID)])
    }

    func requestCancel(_ runID: String) throws {
        try database.run("UPDATE runs SET cancel_requested = 1 WHERE id = ?", [.text(runID)])
    }

    // MARK: Log

    /// Appends a line (bounded in count and length; the oldest lines beyond the bound are kept,
    /// and the last one says how many were dropped).
    func appendLog(_ runID: String, _ line: String) throws {
        // The primary key's last line number: one index probe, not a count of the run's lines.
        let count = try database.queryOne("SELECT coalesce(max(line_no), 0) FROM run_log WHERE run_id = ?", [.text(runID)]) { $0.int(0) } ?? 0
        guard count < Limits.runLogLines else { return }
        let text = count == Limits.runLogLines - 1 ? "WARN log truncated at \(Limits.runLogLines) lines" : String(line.prefix(Limits.runLogLineLength))
        try database.run("INSERT INTO run_log (run_id, line_no, at_ms, line) VALUES (?, ?, ?, ?)",
                         [.text(runID), .int(Int64(count + 1)), .int(now), .text(text)])
    }

    func logTail(_ runID: String, lines: Int) throws -> [(atMs: Int64, line: String)] {
        try database.query("SELECT at_ms, line FROM run_log WHERE run_id = ? ORDER BY line_no DESC LIMIT ?", [.text(runID), .int(Int64(lines))]) {
            (atMs: $0.int64(0), line: $0.string(1))
        }.reversed()
    }
}
