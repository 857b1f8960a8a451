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

/// Audit and event records, written to `audit.db` in batches by a background thread so the hot
/// path only appends to an in-memory queue (one lock, no I/O). Flushed every 200 ms, when the
/// queue grows large, and on shutdown.
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
    ]

    private let database: Database
    private let lock = NSCondition()
    private var queue: [AuditEvent] = []
    private var stopping = false
    /// Entered when the flush thread starts, left when it returns: stop() waits on it.
    private let flushThreadRunning = DispatchGroup()
    /// Extra work done on the flush thread at each tick (the last-used flush).
    private var periodicTasks: [() -> Void] = []

    init(path: String) throws {
        database = try Database(path: path)
        try database.migrate(EventSink.migrations)
    }

    func addPeriodicTask(_ task: @escaping () -> Void) { periodicTasks.append(task) }

    func record(_ event: AuditEvent) {
        lock.lock()
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
        lock.unlock()
        guard !batch.isEmpty else { return }
        do {
            try database.transaction {
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
            Log.error("audit", "could not write \(batch.count) audit events: \(error)")
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
