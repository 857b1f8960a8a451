import Foundation
import JSON
import Locking
import PluginABI

/// Runs the job queue in the serving daemon (header section 8): its own threads, never the ones
/// that answer tool calls, so jobs cannot starve calls.
///
/// One dispatcher thread ticks every second (and at once when this process enqueues a job):
///   1. fires due schedules (a schedule missed while the daemon was down fires once, then moves on);
///   2. passes cancellations and timeouts to running attempts (their plugin polls is_cancelled);
///   3. claims due jobs, as many as there are free job threads and free slots of their kind, and
///      hands each to a job thread — unless its toolset may not run for its tenant: then it is held,
///      with the reason, and looked at again every half minute.
/// On stop it claims nothing more, waits for running attempts up to the drain time, asks the rest
/// to stop, and leaves what did not finish `running` in jobs.db: the next start queues it again.
final class JobRunner: @unchecked Sendable {
    struct Settings {
        var threads = 2
        var drainSeconds = 10.0
        var tick = 1.0
        var heldRecheckSeconds = 30.0
    }

    private let store: JobStore
    private let registry: PluginRegistry
    private let hostStores: ConnectionPool<HostStore>
    /// host.db changes (a toolset switched, a plan changed) drop the stores' read caches.
    private let watcher: HostDatabaseWatcher?
    private let databases: ToolsetDatabases
    private let events: EventSink?
    private let plans: PlanCatalog
    private let settings: Settings

    /// Guards everything below; idle job threads and the dispatcher wait on it.
    private let condition = NSCondition()
    private var ready: [(JobRecord, RegisteredJobHandler)] = []
    private var running: [String: (job: JobRecord, handler: RegisteredJobHandler, handle: CallHandle, deadline: Int64)] = [:]
    private var stopping = false
    private var wakeDispatcher = false
    private var lastHeldRecheck: Int64 = 0
    private let threadsRunning = DispatchGroup()

    init(store: JobStore, registry: PluginRegistry, hostStores: ConnectionPool<HostStore>, watcher: HostDatabaseWatcher?,
         databases: ToolsetDatabases, events: EventSink?, plans: PlanCatalog, settings: Settings) {
        self.store = store
        self.watcher = watcher
        self.registry = registry
        self.hostStores = hostStores
        self.databases = databases
        self.events = events
        self.plans = plans
        self.settings = settings
    }

    func start() {
        do {
            let requeued = try store.requeueInterrupted()
            if requeued > 0 { Log.info("jobs", "\(requeued) job(s) were running when the daemon last stopped; they run again") }
        } catch {
            Log.error("jobs", "could not requeue interrupted jobs: \(error)")
        }
        store.enqueued.withLock { $0 = { [weak self] in self?.wake() } }
        spawn("toolhost-jobs-dispatch") { self.dispatchLoop() }
        for index in 0..<settings.threads { spawn("toolhost-job-\(index)") { self.workLoop() } }
    }

    /// Claims nothing more, waits for running attempts up to the drain time, then asks them to stop
    /// and waits a little longer; an attempt still running after that is left to the next start.
    func stop() {
        condition.lock()
        stopping = true
        let unstarted = ready.map(\.0)
        ready.removeAll()
        condition.broadcast()
        condition.unlock()
        for job in unstarted { putBack(job) }
        let drained = Date(timeIntervalSinceNow: settings.drainSeconds)
        condition.lock()
        while !running.isEmpty && condition.wait(until: drained) {}
        if !running.isEmpty {
            Log.info("jobs", "asking \(running.count) running job(s) to stop (drain time \(settings.drainSeconds) s is over)")
            for entry in running.values { entry.handle.requestStop() }
            let grace = Date(timeIntervalSinceNow: 5)
            while !running.isEmpty && condition.wait(until: grace) {}
        }
        let left = running.count
        condition.unlock()
        if left > 0 { Log.warning("jobs", "\(left) job(s) did not stop in time; they run again at the next start") }
        store.enqueued.withLock { $0 = nil }
    }

    private func wake() {
        condition.lock()
        wakeDispatcher = true
        condition.broadcast()
        condition.unlock()
    }

    private func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
        threadsRunning.enter()
        let thread = Thread { [threadsRunning] in
            body()
            threadsRunning.leave()
        }
        thread.name = name
        thread.stackSize = 4 << 20
        thread.start()
    }

    // MARK: Dispatcher

    private func dispatchLoop() {
        while true {
            condition.lock()
            if !wakeDispatcher && !stopping { _ = condition.wait(until: Date(timeIntervalSinceNow: settings.tick)) }
            wakeDispatcher = false
            let done = stopping
            condition.unlock()
            if done { return }
            let now = Clock.nowMilliseconds()
            fireDueSchedules(now: now)
            passStopRequests(now: now)
            recheckHeld(now: now)
            claim(now: now)
        }
    }

    private func fireDueSchedules(now: Int64) {
        let due: [ScheduleRecord]
        do { due = try store.dueSchedules(now: now) } catch {
            Log.error("jobs", "could not read schedules: \(error)")
            return
        }
        for schedule in due {
            let next = (try? CronExpression(schedule.cron)).flatMap { cron in TimeZone(identifier: schedule.timeZone).flatMap { cron.next(after: now, in: $0) } }
            guard let handler = registry.plugins.first(where: { $0.name == schedule.plugin })?.jobHandlers[schedule.kind] else {
                Log.warning("jobs", "schedule \(schedule.name) of tenant \(schedule.tenant): plugin \(schedule.plugin) has no job kind \(schedule.kind) now; skipped")
                try? store.advance(schedule, firedAt: now, next: next)
                continue
            }
            do {
                let origin = "schedule:" + schedule.name
                let (id, _) = try store.enqueue(tenant: schedule.tenant, plugin: schedule.plugin, kind: schedule.kind, payload: schedule.payload,
                                                runAtMs: now, maxAttempts: handler.maxAttempts, startedBy: origin, idempotencyKey: nil)
                try store.advance(schedule, firedAt: now, next: next)
                events?.recordJob(.enqueued, tenant: schedule.tenant, jobID: id, kind: schedule.kind, plugin: schedule.plugin, origin: origin,
                                  requestID: nil, details: ["job_id": .string(id), "kind": .string(schedule.kind), "schedule": .string(schedule.name)])
            } catch {
                Log.error("jobs", "schedule \(schedule.name) of tenant \(schedule.tenant) could not enqueue its job: \(error)")
            }
        }
    }

    /// Cancellations written to jobs.db (by `toolhost jobs cancel` in another process, or a
    /// plugin) and timeouts reach the running attempts here.
    private func passStopRequests(now: Int64) {
        condition.lock()
        let current = running
        condition.unlock()
        guard !current.isEmpty else { return }
        let cancelled = (try? store.cancelRequested(ids: Array(current.keys))) ?? []
        for (id, entry) in current where cancelled.contains(id) || now >= entry.deadline {
            entry.handle.requestStop()
        }
    }

    private func recheckHeld(now: Int64) {
        guard Double(now - lastHeldRecheck) >= settings.heldRecheckSeconds * 1000 else { return }
        lastHeldRecheck = now
        try? store.releaseHeld()
    }

    private func claim(now: Int64) {
        condition.lock()
        let free = settings.threads - running.count - ready.count
        var busy: [String: Int] = [:]
        for entry in running.values { busy[entry.job.plugin + "/" + entry.job.kind, default: 0] += 1 }
        for (job, _) in ready { busy[job.plugin + "/" + job.kind, default: 0] += 1 }
        condition.unlock()
        guard free > 0 else { return }
        let claimed: [JobRecord]
        do {
            claimed = try store.claimDue(now: now, limit: free) { plugin, kind in
                guard let handler = self.handler(plugin: plugin, kind: kind) else { return true }  // held below, with the reason
                let key = plugin + "/" + kind
                guard busy[key, default: 0] < handler.maxConcurrency else { return false }
                busy[key, default: 0] += 1
                return true
            }
        } catch {
            Log.error("jobs", "could not claim due jobs: \(error)")
            return
        }
        for job in claimed {
            guard let handler = handler(plugin: job.plugin, kind: job.kind) else {
                hold(job, reason: "plugin \(job.plugin) is not loaded or has no job handler of kind \(job.kind)")
                continue
            }
            if let reason = gate(job, handler: handler) {
                hold(job, reason: reason)
                continue
            }
            condition.lock()
            let accepted = !stopping
            if accepted {
                ready.append((job, handler))
                condition.signal()
            }
            condition.unlock()
            if !accepted { putBack(job) }
        }
    }

    /// A claimed job that never started goes back to the queue, its attempt not counted.
    private func putBack(_ job: JobRecord) {
        do { try store.retry(job.id, runAtMs: job.runAtMs, error: job.lastError, countAttempt: false) } catch {
            Log.error("jobs", "could not put job \(job.id) back in the queue: \(error); it runs again at the next start")
        }
    }

    private func handler(plugin: String, kind: String) -> RegisteredJobHandler? {
        registry.plugins.first { $0.name == plugin }?.jobHandlers[kind]
    }

    /// Why the job's toolset may not run for its tenant now, or nil.
    private func gate(_ job: JobRecord, handler: RegisteredJobHandler) -> String? {
        let tenant: TenantRecord?
        do {
            tenant = try hostStores.withResource { store in
                store.refreshCacheIfChanged(watcher: watcher)
                return try store.tenant(named: job.tenant)
            }
        } catch { return "cannot read tenant \(job.tenant): \(error)" }
        guard let tenant else { return "tenant \(job.tenant) does not exist" }
        let toolset = handler.toolset
        guard tenant.isEnabled(toolset.name) else { return "toolset \(toolset.name) is disabled for tenant \(job.tenant)" }
        if let denial = PlanLayer.check(toolset, tool: nil, tenant: tenant, plans: plans, now: Clock.nowMilliseconds()) {
            return denial.message + " (plan \(tenant.effectivePlan(now: Clock.nowMilliseconds())))"
        }
        return nil
    }

    private func hold(_ job: JobRecord, reason: String) {
        Log.info("jobs", "job \(job.id) (\(job.kind), tenant \(job.tenant)) is held: \(reason)")
        do { try store.hold(job.id, reason: reason) } catch { Log.error("jobs", "could not hold job \(job.id): \(error)") }
    }

    // MARK: Job threads

    private func workLoop() {
        while true {
            condition.lock()
            while ready.isEmpty && !stopping { condition.wait() }
            if stopping {  // nothing new starts once stopping
                condition.unlock()
                return
            }
            let (job, handler) = ready.removeFirst()
            let handle = CallHandle(tenant: job.tenant, plugin: handler.plugin, origin: "job:" + job.id,
                                    requestID: "\(job.id)_\(job.attempt)", job: JobIdentity(id: job.id, startedBy: job.startedBy))
            running[job.id] = (job, handler, handle, Clock.nowMilliseconds() + handler.timeoutMs)
            condition.unlock()

            let outcome = JobAttempt(job: job, handler: handler, handle: handle, databases: databases).run()
            record(outcome, job: job, handler: handler, handle: handle)

            condition.lock()
            running[job.id] = nil
            condition.broadcast()  // stop() waits for running to empty
            condition.unlock()
        }
    }

    /// Writes how the attempt ended: done, cancelled, again later, or failed for good.
    private func record(_ outcome: JobAttempt.Outcome, job: JobRecord, handler: RegisteredJobHandler, handle: CallHandle) {
        let cancelled = (try? store.cancelRequested(ids: [job.id]))?.contains(job.id) == true
        let shuttingDown: Bool = {
            condition.lock()
            defer { condition.unlock() }
            return stopping
        }()
        do {
            if cancelled {
                try store.finish(job.id, state: .cancelled, output: nil, error: outcome.error)
                audit(.cancelled, job, outcome: nil, details: ["attempt": .int(Int64(job.attempt))])
                return
            }
            switch outcome {
            case .succeeded(let output):
                try store.finish(job.id, state: .succeeded, output: output, error: nil)
                audit(.succeeded, job, outcome: .ok, details: ["attempt": .int(Int64(job.attempt))])
            case .failed(let error) where shuttingDown && handle.isStopRequested:
                // Stopped by the shutdown: not the job's fault, so the attempt does not count.
                try store.retry(job.id, runAtMs: Clock.nowMilliseconds(), error: error, countAttempt: false)
            case .failed(let error) where job.attempt < handler.maxAttempts:
                let delay = handler.delay(afterAttempt: job.attempt)
                Log.info("jobs", "job \(job.id) (\(job.kind), tenant \(job.tenant)) attempt \(job.attempt) failed: \(error); again in \(delay / 1000) s")
                try store.retry(job.id, runAtMs: Clock.nowMilliseconds() + delay, error: error, countAttempt: true)
            case .failed(let error):
                Log.warning("jobs", "job \(job.id) (\(job.kind), tenant \(job.tenant)) failed after \(job.attempt) attempt(s): \(error)")
                try store.finish(job.id, state: .failed, output: nil, error: error)
                audit(.failed, job, outcome: .error, details: ["attempt": .int(Int64(job.attempt)), "error": .string(error)])
            }
        } catch {
            Log.error("jobs", "could not record the end of job \(job.id): \(error); it runs again at the next start")
        }
    }

    private func audit(_ event: JobEvent, _ job: JobRecord, outcome: AuditOutcome?, details: JSONObject) {
        var details = details
        details["job_id"] = .string(job.id)
        events?.recordJob(event, tenant: job.tenant, jobID: job.id, kind: job.kind, plugin: job.plugin, origin: job.startedBy,
                          requestID: "\(job.id)_\(job.attempt)", outcome: outcome, details: .object(details))
    }
}

extension JobRunner.Settings {
    /// `TOOLHOST_JOB_THREADS` (default 2, 1–64), `TOOLHOST_JOB_DRAIN_SECONDS` (default 10, 0–3600) and
    /// `TOOLHOST_JOB_HELD_RECHECK_SECONDS` (default 30: how often held jobs are looked at again).
    init(environment: [String: String]) throws {
        self.init()
        if let text = environment["TOOLHOST_JOB_THREADS"] {
            guard let value = Int(text), (1...64).contains(value) else {
                throw ConfigurationError("TOOLHOST_JOB_THREADS must be an integer from 1 to 64, not \(text)")
            }
            threads = value
        }
        if let text = environment["TOOLHOST_JOB_DRAIN_SECONDS"] {
            guard let value = Double(text), (0...3600).contains(value) else {
                throw ConfigurationError("TOOLHOST_JOB_DRAIN_SECONDS must be a number of seconds from 0 to 3600, not \(text)")
            }
            drainSeconds = value
        }
        if let text = environment["TOOLHOST_JOB_HELD_RECHECK_SECONDS"] {
            guard let value = Double(text), value >= 0.1, value <= 3600 else {
                throw ConfigurationError("TOOLHOST_JOB_HELD_RECHECK_SECONDS must be a number of seconds from 0.1 to 3600, not \(text)")
            }
            heldRecheckSeconds = value
        }
    }
}
