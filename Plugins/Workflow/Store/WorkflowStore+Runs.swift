import JSON
import SQLite
import ToolsetKit

extension WorkflowStore {
    private static let runColumns = "seq, id, recipe_id, recipe_name, steps, inputs, status, job_id, token_id, token_name, error, created_ms, started_ms, finished_ms"

    private static func run(_ row: Row) -> Run {
        Run(seq: row.int64(0), id: row.string(1), recipeID: row.string(2), recipeName: row.string(3),
            steps: (try? RecipeStep.parseList(JSONValue(storedText: row.string(4)))) ?? [], inputs: JSONValue(storedText: row.string(5)),
            status: RunStatus(rawValue: row.string(6)) ?? .failed, jobID: row.optionalString(7), tokenID: row.string(8), tokenName: row.string(9),
            error: row.optionalString(10), createdMs: row.int64(11), startedMs: row.optionalInt64(12), finishedMs: row.optionalInt64(13))
    }

    func run(id: String) throws -> Run? {
        try database.queryOne("SELECT \(Self.runColumns) FROM runs WHERE id = ?", [.text(id)], Self.run)
    }

    /// Newest first; `before` is the previous page's last seq.
    func runs(recipeID: String?, status: RunStatus?, before: Int64?, limit: Int) throws -> [Run] {
        var sql = "SELECT \(Self.runColumns) FROM runs WHERE seq < ?"
        var parameters: [SQLValue] = [.int(before ?? Int64.max)]
        if let recipeID {
            sql += " AND recipe_id = ?"
            parameters.append(.text(recipeID))
        }
        if let status {
            sql += " AND status = ?"
            parameters.append(.text(status.rawValue))
        }
        return try database.query(sql + " ORDER BY seq DESC LIMIT ?", parameters + [.int(Int64(limit))], Self.run)
    }

    /// A queued run with a snapshot of the recipe's steps (editing the recipe later changes no queued run).
    func createRun(_ recipe: Recipe, inputs: JSONValue, tokenID: String, tokenName: String) throws -> Run {
        let id = randomID("run_")
        try database.run("""
            INSERT INTO runs (id, recipe_id, recipe_name, steps, inputs, status, token_id, token_name, created_ms) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?)
            """, [.text(id), .text(recipe.id), .text(recipe.name), .text(JSONValue.array(recipe.steps.map(\.json)).jsonString),
                  .text(inputs.jsonString), .text(tokenID), .text(tokenName), .int(now)])
        let seq = database.lastInsertRowID
        for (index, step) in recipe.steps.enumerated() {
            try database.run("INSERT INTO run_steps (run_seq, position, name, type, status) VALUES (?, ?, ?, ?, 'pending')",
                             [.int(seq), .int(Int64(index + 1)), .text(step.name), .text(step.type.rawValue)])
        }
        guard let run = try run(id: id) else { throw InternalError("run \(id) vanished") }
        return run
    }

    func activeRunCount() throws -> Int {
        try database.queryOne("SELECT count(*) FROM runs WHERE status IN ('queued', 'running')", []) { $0.int(0) } ?? 0
    }

    func setJob(_ run: Run, jobID: String) throws {
        try database.run("UPDATE runs SET job_id = ? WHERE seq = ?", [.text(jobID), .int(run.seq)])
    }

    func steps(of run: Run) throws -> [StepRecord] {
        try database.query("""
            SELECT position, name, type, status, output, error, attempts, started_ms, finished_ms FROM run_steps WHERE run_seq = ? ORDER BY position
            """, [.int(run.seq)]) { row in
            StepRecord(position: row.int(0), name: row.string(1), type: StepType(rawValue: row.string(2)) ?? .tool,
                       status: StepStatus(rawValue: row.string(3)) ?? .pending, output: JSONValue(storedText: row.optionalString(4)),
                       error: row.optionalString(5), attempts: row.int(6), startedMs: row.optionalInt64(7), finishedMs: row.optionalInt64(8))
        }
    }

    func setRunStatus(_ run: Run, _ status: RunStatus, error: String? = nil) throws {
        switch status {
        case .running:
            try database.run("UPDATE runs SET status = 'running', started_ms = coalesce(started_ms, ?) WHERE seq = ?", [.int(now), .int(run.seq)])
        default:
            try database.run("UPDATE runs SET status = ?, error = ?, finished_ms = ? WHERE seq = ?",
                             [.text(status.rawValue), SQLValue(error), .int(now), .int(run.seq)])
        }
    }

    func startStep(_ run: Run, position: Int) throws {
        try database.run("UPDATE run_steps SET status = 'running', attempts = attempts + 1, started_ms = ? WHERE run_seq = ? AND position = ?",
                         [.int(now), .int(run.seq), .int(Int64(position))])
    }

    func finishStep(_ run: Run, position: Int, status: StepStatus, output: JSONValue?, error: String?) throws {
        try database.run("UPDATE run_steps SET status = ?, output = ?, error = ?, finished_ms = ? WHERE run_seq = ? AND position = ?",
                         [.text(status.rawValue), SQLValue(output.map(\.jsonString)), SQLValue(error), .int(now), .int(run.seq), .int(Int64(position))])
    }

    /// Steps after a failure or cancellation never ran.
    func skipRemainingSteps(_ run: Run) throws {
        try database.run("UPDATE run_steps SET status = 'skipped' WHERE run_seq = ? AND status = 'pending'", [.int(run.seq)])
    }
}
