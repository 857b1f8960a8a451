import Foundation
import Locking
import SQLite

/// A job's life: queued → running → succeeded | failed | cancelled, with `held` while its toolset
/// may not run for its tenant, and back to `queued` for another attempt or after a restart.
enum JobState: String, CaseIterable, Sendable {
    case queued, held, running, succeeded, failed, cancelled

    var isFinished: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

/// One row of the queue.
struct JobRecord: Sendable {
    let id: String
    let tenant: String
    let plugin: String
    let kind: String
    let payload: String
    var state: JobState
    var attempt: Int
    let maxAttempts: Int
    var runAtMs: Int64
    let createdMs: Int64
    var startedMs: Int64?
    var finishedMs: Int64?
    let startedBy: String
    let idempotencyKey: String?
    var output: String?
    var lastError: String?
    var heldReason: String?
    var cancelRequested: Bool
}

/// A named cron schedule of one tenant and plugin.
struct ScheduleRecord: Sendable {
    let tenant: String
    let plugin: String
    let name: String
    let cron: String
    let timeZone: String
    let kind: String
    let payload: String
    var nextRunMs: Int64?
    var lastRunMs: Int64?
    let createdBy: String
}

/// The durable job queue and schedules: `<data>/jobs.db`, shared by the daemon (which runs jobs)
/// and CLI processes (which may enqueue through operator commands and cancel). Every method is one
/// short transaction, so a job acknowledged as enqueued is committed.
final class JobStore: Sendable {
    static let migrations = [
        """
        CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            tenant TEXT NOT NULL,
            plugin TEXT NOT NULL,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            state TEXT NOT NULL,
            attempt INTEGER NOT NULL DEFAULT 0,
            max_attempts INTEGER NOT NULL,
            run_at_ms INTEGER NOT NULL,
            created_ms INTEGER NOT NULL,
            started_ms INTEGER,
            finished_ms INTEGER,
            started_by TEXT NOT NULL,
            idempotency_key TEXT,
            output TEXT,
            last_error TEXT,
            held_reason TEXT,
            cancel_requested INTEGER NOT NULL DEFAULT 0
        );
        CREATE UNIQUE INDEX jobs_idempotency ON jobs(tenant, plugin, kind, idempotency_key) WHERE idempotency_key IS NOT NULL;
        CREATE INDEX jobs_due ON jobs(state, run_at_ms);
        CREATE INDEX jobs_by_tenant ON jobs(tenant, created_ms);
        CREATE TABLE schedules (
            tenant TEXT NOT NULL,
            plugin TEXT NOT NULL,
            name TEXT NOT NULL,
            cron TEXT NOT NULL,
            time_zone TEXT NOT NULL,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            next_run_ms INTEGER,
            last_run_ms INTEGER,
            created_by TEXT NOT NULL,
            updated_ms INTEGER NOT NULL,
            PRIMARY KEY (tenant, plugin, name)
        );
        """,
    ]

    private let pool: ConnectionPool<Database>
    /// Called after a job is committed, so the runner of this process wakes at once.
    let enqueued = Locked<(@Sendable () -> Void)?>(nil)

    init(dataDirectory: String) throws {
        let path = dataDirectory + "/jobs.db"
        let first = try Database(path: path)
        try first.migrate(JobStore.migrations)
        pool = ConnectionPool { try Database(path: path) }
    }

    private func with<T>(_ body: (Database) throws -> T) throws -> T { try pool.withResource(body) }

    private static let columns = """
        id, tenant, plugin, kind, payload, state, attempt, max_attempts, run_at_ms, created_ms, started_ms, finished_ms,
        started_by, idempotency_key, output, last_error, held_reason, cancel_requested
        """

    private static func job(_ row: Row) -> JobRecord {
        JobRecord(id: row.string(0), tenant: row.string(1), plugin: row.string(2), kind: row.string(3), payload: row.string(4),
                  state: JobState(rawValue: row.string(5)) ?? .failed, attempt: row.int(6), maxAttempts: row.int(7),
                  runAtMs: row.int64(8), createdMs: row.int64(9), startedMs: row.optionalInt64(10), finishedMs: row.optionalInt64(11),
                  startedBy: row.string(12), idempotencyKey: row.optionalString(13), output: row.optionalString(14),
                  lastError: row.optionalString(15), heldReason: row.optionalString(16), cancelRequested: row.int(17) != 0)
    }

    // MARK: Enqueue and look up

    /// Commits a new job, or returns the id of the job already enqueued with the same idempotency key.
    func enqueue(tenant: String, plugin: String, kind: String, payload: String, runAtMs: Int64, maxAttempts: Int,
                 startedBy: String, idempotencyKey: String?) throws -> (id: String, created: Bool) {
        let result: (String, Bool) = try with { database in
            try database.transaction {
                if let key = idempotencyKey, let existing = try database.queryOne(
                    "SELECT id FROM jobs WHERE tenant = ? AND plugin = ? AND kind = ? AND idempotency_key = ?",
                    [.text(tenant), .text(plugin), .text(kind), .text(key)], { $0.string(0) }) {
                    return (existing, false)
                }
                let id = "job_" + Crypto.hex(Crypto.randomBytes(12))
                try database.run(
                    """
                    INSERT INTO jobs (id, tenant, plugin, kind, payload, state, max_attempts, run_at_ms, created_ms, started_by, idempotency_key)
                    VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)
                    """,
                    [.text(id), .text(tenant), .text(plugin), .text(kind), .text(payload), .int(Int64(maxAttempts)),
                     .int(runAtMs), .int(Clock.nowMilliseconds()), .text(startedBy), SQLValue(idempotencyKey)])
                return (id, true)
            }
        }
        if result.1 { enqueued.withLock { $0 }?() }
        return result
    }

    func job(id: String, tenant: String) throws -> JobRecord? {
        try with { try $0.queryOne("SELECT \(JobStore.columns) FROM jobs WHERE id = ? AND tenant = ?", [.text(id), .text(tenant)], JobStore.job) }
    }

    func jobs(tenant: String, state: JobState?, limit: Int) throws -> [JobRecord] {
        var sql = "SELECT \(JobStore.columns) FROM jobs WHERE tenant = ?"
        var parameters: [SQLValue] = [.text(tenant)]
        if let state {
            sql += " AND state = ?"
            parameters.append(.text(state.rawValue))
        }
        sql += " ORDER BY created_ms DESC, id LIMIT ?"
        parameters.append(.int(Int64(limit)))
        return try with { try $0.query(sql, parameters, JobStore.job) }
    }

    // MARK: Cancel

    enum CancelOutcome: Equatable { case cancelled, willStop, alreadyFinished(JobState), notFound }

    /// A queued or held job is cancelled at once; a running one is asked to stop (the runner sees
    /// the flag within a second). `plugin` limits it to one plugin's jobs (a plugin's own cancel).
    func cancel(id: String, tenant: String, plugin: String? = nil) throws -> CancelOutcome {
        try with { database in
            try database.transaction {
                guard let job = try database.queryOne("SELECT \(JobStore.columns) FROM jobs WHERE id = ? AND tenant = ?",
                                                      [.text(id), .text(tenant)], JobStore.job),
                      plugin == nil || job.plugin == plugin else { return .notFound }
                switch job.state {
                case .queued, .held:
                    try database.run("UPDATE jobs SET state = 'cancelled', cancel_requested = 1, finished_ms = ? WHERE id = ?",
                                     [.int(Clock.nowMilliseconds()), .text(id)])
                    return .cancelled
                case .running:
                    try database.run("UPDATE jobs SET cancel_requested = 1 WHERE id = ?", [.text(id)])
                    return .willStop
                case .succeeded, .failed, .cancelled:
                    return .alreadyFinished(job.state)
                }
            }
        }
    }

    // MARK: The runner's side

    /// Jobs left `running` by a process that died go back to the queue (delivered again, with the
    /// next attempt number). Only the serving daemon calls this, at start-up.
    func requeueInterrupted() throws -> Int {
        try with { database in
            try database.run("UPDATE jobs SET state = 'queued' WHERE state = 'running'")
            return database.changes
        }
    }

    /// Claims up to `limit` due jobs of the given kinds (plugin/kind pairs with a free slot), marking
    /// them running with their next attempt number.
    func claimDue(now: Int64, limit: Int, allowed: (String, String) -> Bool) throws -> [JobRecord] {
        guard limit > 0 else { return [] }
        return try with { database in
            try database.transaction {
                let due = try database.query(
                    "SELECT \(JobStore.columns) FROM jobs WHERE state = 'queued' AND run_at_ms <= ? ORDER BY run_at_ms, created_ms LIMIT 200",
                    [.int(now)], JobStore.job)
                var claimed: [JobRecord] = []
                for var job in due where claimed.count < limit && allowed(job.plugin, job.kind) {
                    job.state = .running
                    job.attempt += 1
                    job.startedMs = now
                    try database.run("UPDATE jobs SET state = 'running', attempt = ?, started_ms = ?, held_reason = NULL WHERE id = ?",
                                     [.int(Int64(job.attempt)), .int(now), .text(job.id)])
                    claimed.append(job)
                }
                return claimed
            }
        }
    }

    func hold(_ id: String, reason: String) throws {
        try with { try $0.run("UPDATE jobs SET state = 'held', attempt = attempt - 1, held_reason = ? WHERE id = ?", [.text(reason), .text(id)]) }
    }

    /// Held jobs go back to the queue to be checked again (their reason may be gone).
    func releaseHeld() throws {
        try with { try $0.run("UPDATE jobs SET state = 'queued' WHERE state = 'held'") }
    }

    func cancelRequested(ids: [String]) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        return try with { Set(try $0.query("SELECT id FROM jobs WHERE cancel_requested = 1 AND id IN (\(marks))", ids.map { .text($0) }) { $0.string(0) }) }
    }

    /// Records how an attempt ended.
    func finish(_ id: String, state: JobState, output: String?, error: String?) throws {
        try with { try $0.run("UPDATE jobs SET state = ?, finished_ms = ?, output = ?, last_error = ? WHERE id = ?",
                              [.text(state.rawValue), .int(Clock.nowMilliseconds()), SQLValue(output), SQLValue(error), .text(id)]) }
    }

    /// Puts a job back for another attempt at `runAtMs`; `countAttempt` false for an attempt a
    /// shutdown interrupted (it is not the job's fault).
    func retry(_ id: String, runAtMs: Int64, error: String?, countAttempt: Bool) throws {
        try with { try $0.run("UPDATE jobs SET state = 'queued', run_at_ms = ?, last_error = ?, attempt = attempt - ? WHERE id = ?",
                              [.int(runAtMs), SQLValue(error), .int(countAttempt ? 0 : 1), .text(id)]) }
    }

    // MARK: Schedules

    func setSchedule(_ schedule: ScheduleRecord) throws {
        try with { try $0.run(
            """
            INSERT INTO schedules (tenant, plugin, name, cron, time_zone, kind, payload, next_run_ms, last_run_ms, created_by, updated_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)
            ON CONFLICT(tenant, plugin, name) DO UPDATE SET cron = excluded.cron, time_zone = excluded.time_zone, kind = excluded.kind,
                payload = excluded.payload, next_run_ms = excluded.next_run_ms, created_by = excluded.created_by, updated_ms = excluded.updated_ms
            """,
            [.text(schedule.tenant), .text(schedule.plugin), .text(schedule.name), .text(schedule.cron), .text(schedule.timeZone),
             .text(schedule.kind), .text(schedule.payload), SQLValue(schedule.nextRunMs), .text(schedule.createdBy), .int(Clock.nowMilliseconds())]) }
    }

    func deleteSchedule(tenant: String, plugin: String, name: String) throws -> Bool {
        try with { database in
            try database.run("DELETE FROM schedules WHERE tenant = ? AND plugin = ? AND name = ?", [.text(tenant), .text(plugin), .text(name)])
            return database.changes > 0
        }
    }

    private static func schedule(_ row: Row) -> ScheduleRecord {
        ScheduleRecord(tenant: row.string(0), plugin: row.string(1), name: row.string(2), cron: row.string(3), timeZone: row.string(4),
                       kind: row.string(5), payload: row.string(6), nextRunMs: row.optionalInt64(7), lastRunMs: row.optionalInt64(8),
                       createdBy: row.string(9))
    }

    private static let scheduleColumns = "tenant, plugin, name, cron, time_zone, kind, payload, next_run_ms, last_run_ms, created_by"

    func schedules(tenant: String) throws -> [ScheduleRecord] {
        try with { try $0.query("SELECT \(JobStore.scheduleColumns) FROM schedules WHERE tenant = ? ORDER BY plugin, name", [.text(tenant)], JobStore.schedule) }
    }

    func dueSchedules(now: Int64) throws -> [ScheduleRecord] {
        try with { try $0.query("SELECT \(JobStore.scheduleColumns) FROM schedules WHERE next_run_ms IS NOT NULL AND next_run_ms <= ?",
                                [.int(now)], JobStore.schedule) }
    }

    /// Moves a schedule on after it fired, unless someone replaced it meanwhile (its next run changed).
    func advance(_ schedule: ScheduleRecord, firedAt: Int64, next: Int64?) throws {
        try with { try $0.run(
            "UPDATE schedules SET last_run_ms = ?, next_run_ms = ? WHERE tenant = ? AND plugin = ? AND name = ? AND next_run_ms IS ?",
            [.int(firedAt), SQLValue(next), .text(schedule.tenant), .text(schedule.plugin), .text(schedule.name), SQLValue(schedule.nextRunMs)]) }
    }
}

/// jobs.db opened at first use, so commands that never touch jobs never create it.
final class LazyJobStore: Sendable {
    private let dataDirectory: String
    private let opened = Locked<JobStore?>(nil)

    init(dataDirectory: String) { self.dataDirectory = dataDirectory }

    /// nil (logged) if jobs.db cannot be opened.
    var store: JobStore? {
        opened.withLock { opened in
            if let opened { return opened }
            do {
                opened = try JobStore(dataDirectory: dataDirectory)
            } catch {
                Log.error("jobs", "cannot open \(dataDirectory)/jobs.db: \(error)")
            }
            return opened
        }
    }
}
