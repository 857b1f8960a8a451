import Foundation
import Locking
import JSON
import SQLite

/// One audit-trail row: a tool call, a denial, or an event a toolset emitted.
struct AuditEvent {
    var timeMs: Int64
    var kind: AuditKind
    var tenant: String?
    var tokenID: String?
    var tokenName: String?
    var toolset: String?
    var tool: String?
    var outcome: AuditOutcome?
    /// For denials: the layer that refused.
    var layer: Denial.Layer? = nil
    var requestID: String?
    var client: String?
    var durationMicros: Int64?
    var details: JSONValue
    var plugin: String?
    var argumentsDigest: String? = nil
    /// Only when the deployer turned on `audit.record_arguments`, and already redacted.
    var arguments: String? = nil
}

/// Audit and event records, written to `audit.db` in batches by a background thread. On the
/// request's thread an event costs one lock and one write(2) to the audit journal (AuditJournal),
/// so an acknowledged request's event survives SIGKILL; the batch goes to audit.db every 200 ms,
/// when the queue grows large, and on shutdown.
// @unchecked: the queue and the flag are guarded by `lock`, an NSCondition because the flush
// thread waits on it with a timeout (Mutex has no wait); periodic tasks are added before start().
final class EventSink: @unchecked Sendable {
    static let migrations = [
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            time_ms INTEGER NOT NULL,
            kind TEXT NOT NULL,
            tenant TEXT,
            token_id TEXT,
            token_name TEXT,
            toolset TEXT,
            tool TEXT,
            outcome TEXT,
            request_id TEXT,
            client TEXT,
            duration_us INTEGER,
            plugin TEXT,
            details TEXT
        );
        CREATE INDEX events_by_tenant_time ON events(tenant, time_ms);
        """,
        // 2: which layer refused, and what was called (a digest; raw arguments only if configured).
        """
        ALTER TABLE events ADD COLUMN layer TEXT;
        ALTER TABLE events ADD COLUMN args_digest TEXT;
        ALTER TABLE events ADD COLUMN arguments TEXT;
        CREATE INDEX events_by_token ON events(token_id, time_ms);
        """,
        // 3: journal files whose events are in `events` (AuditJournal): a row lives from the
        //    batch's commit until its file is deleted, so a replay never doubles a batch.
        """
        CREATE TABLE audit_journal_applied (journal TEXT PRIMARY KEY);
        """,
    ]

    private let database: Database
    private let journal: AuditJournal
    /// Guards `queue`, `stopping` and the journal's current file.
    private let lock = NSCondition()
    private var queue: [AuditEvent] = []
    private var stopping = false
    /// Entered when the flush thread starts, left when it returns: stop() waits on it.
    private let flushThreadRunning = DispatchGroup()
    /// Extra work done on the flush thread at each tick (the last-used flush).
    private var periodicTasks: [() -> Void] = []

    /// - Parameter journalFolder: where the audit journal lives (`<data>/audit-journal`).
    init(path: String, journalFolder: String) throws {
        database = try Database(path: path)
        try database.migrate(EventSink.migrations)
        journal = try AuditJournal(folder: journalFolder)
        replayOrphanedJournals()
    }

    func addPeriodicTask(_ task: @escaping () -> Void) { periodicTasks.append(task) }

    func record(_ event: AuditEvent) {
        let line = event.journalLine()
        lock.lock()
        if !journal.append(line) { reportJournalFailure() }
        queue.append(event)
        if queue.count >= 1000 { lock.signal() }
        lock.unlock()
    }

    func start() {
        flushThreadRunning.enter()
        let thread = Thread { [self] in
            run()
            flushThreadRunning.leave()
        }
        thread.name = "toolhost-flush"
        thread.start()
    }

    /// Flushes what is queued and stops the thread; returns when everything is on disk.
    func stop() {
        lock.lock()
        stopping = true
        lock.signal()
        lock.unlock()
        flushThreadRunning.wait()  // returns at once if the thread never started
        flush()
        for task in periodicTasks { task() }
        lock.lock()
        journal.closeCurrent()
        lock.unlock()
    }

    private func run() {
        while true {
            lock.lock()
            if !stopping { _ = lock.wait(until: Date(timeIntervalSinceNow: 0.2)) }
            let done = stopping
            lock.unlock()
            flush()
            for task in periodicTasks { task() }
            if done { return }
        }
    }

    private let flushLock = NSLock()

    func flush() {
        flushLock.lock()
        defer { flushLock.unlock() }
        lock.lock()
        let batch = queue
        queue.removeAll(keepingCapacity: true)
        // The batch and the sealed file hold the same events: both are taken under the lock
        // that every record() appends under.
        let sealed = batch.isEmpty ? nil : sealJournal()
        lock.unlock()
        guard !batch.isEmpty else { return }
        write(batch, journal: sealed)
    }

    /// Inserts `batch` in one transaction with the row that marks `file` applied, then deletes the file.
    private func write(_ batch: [AuditEvent], journal file: AuditJournal.JournalFile?) {
        do {
            try database.transaction {
                if let file { try database.run("INSERT OR IGNORE INTO audit_journal_applied (journal) VALUES (?)", [.text(file.id)]) }
                for event in batch {
                    try database.run(
                        """
                        INSERT INTO events (time_ms, kind, tenant, token_id, token_name, toolset, tool, outcome, request_id, client,
                                            duration_us, plugin, details, layer, args_digest, arguments)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                        [.int(event.timeMs), .text(event.kind.stored), SQLValue(event.tenant), SQLValue(event.tokenID), SQLValue(event.tokenName),
                         SQLValue(event.toolset), SQLValue(event.tool), SQLValue(event.outcome?.rawValue), SQLValue(event.requestID),
                         SQLValue(event.client), SQLValue(event.durationMicros), SQLValue(event.plugin),
                         event.details.isNull ? .null : .text(event.details.jsonString), SQLValue(event.layer?.rawValue),
                         SQLValue(event.argumentsDigest), SQLValue(event.arguments)])
                }
            }
        } catch {
            // The file stays: the next start replays it (nothing was committed).
            Log.error("audit", "could not write \(batch.count) audit events: \(error)")
            return
        }
        if let file { forget(file) }
    }

    /// Deletes an applied journal file, then its row (a crash in between leaves a row whose file is
    /// gone, which replay ignores).
    private func forget(_ file: AuditJournal.JournalFile) {
        AuditJournal.discard(file)
        do { try database.run("DELETE FROM audit_journal_applied WHERE journal = ?", [.text(file.id)]) } catch {
            Log.warning("audit", "could not drop the applied mark of journal \(file.id): \(error)")
        }
    }

    /// A fresh journal for the next batch; if none can be made (disk full), the current one is
    /// emptied instead, so its lines are never replayed on top of the batch being written now.
    private func sealJournal() -> AuditJournal.JournalFile? {
        do { return try journal.seal() } catch {
            Log.error("audit", "\(error); until it can, events of a batch being written are lost if the process is killed")
            journal.truncateCurrent()
            return nil
        }
    }

    private var lastJournalFailureMs: Int64 = 0

    /// At most one log line a minute: a full disk would otherwise log once per request.
    private func reportJournalFailure() {
        let now = Clock.nowMilliseconds()
        guard now - lastJournalFailureMs > 60_000 else { return }
        lastJournalFailureMs = now
        Log.error("audit", "cannot append to the audit journal (\(String(cString: strerror(errno)))): events are kept in memory until the next flush, and lost if the process is killed before it")
    }

    /// Journals of processes that died before their batch reached audit.db (SIGKILL, a crash, a
    /// power cut after the kernel wrote the file) go into audit.db before anything else runs.
    private func replayOrphanedJournals() {
        for file in journal.orphans() {
            let applied = (try? database.queryOne("SELECT 1 FROM audit_journal_applied WHERE journal = ?", [.text(file.id)]) { _ in true }) ?? nil
            if applied == true {
                forget(file)
                continue
            }
            let lines = AuditJournal.lines(of: file)
            let events = lines.compactMap(AuditEvent.init(journalLine:))
            if events.count < lines.count {
                Log.warning("audit", "journal \(file.id): skipped \(lines.count - events.count) unreadable line(s)")
            }
            Log.info("audit", "replaying \(events.count) audit event(s) from journal \(file.id), left by a process that stopped before writing them")
            write(events, journal: file)
        }
    }
}

/// Remembers when each token was last used, in memory; written to host.db in one transaction
/// per flush tick instead of a database write per request.
final class LastUsedTracker: Sendable {
    /// Every admitted request on every thread touches it (see Locked).
    private let pending = Locked<[String: Int64]>([:])

    func touch(tokenID: String, at time: Int64) {
        pending.withLock { $0[tokenID] = time }
    }

    func drain() -> [String: Int64] {
        pending.withLock { pending in
            let drained = pending
            pending.removeAll(keepingCapacity: true)
            return drained
        }
    }
}

extension EventSink {
    /// A job's audit entry, attributed to whoever started it (a token id goes in token_id; an
    /// operator, schedule or parent job in token_name).
    func recordJob(_ event: JobEvent, tenant: String, jobID: String, kind: String, plugin: String, origin: String,
                   requestID: String?, outcome: AuditOutcome? = nil, details: JSONValue) {
        let byToken = origin.hasPrefix("tok_")  // PATs and OAuth grants alike
        record(AuditEvent(timeMs: Clock.nowMilliseconds(), kind: .job(event), tenant: tenant, tokenID: byToken ? origin : nil,
                          tokenName: byToken ? nil : origin, toolset: nil, tool: kind, outcome: outcome, requestID: requestID ?? jobID,
                          client: nil, durationMicros: nil, details: details, plugin: plugin))
    }
}
