import Foundation
import JSON
import PipelineEngine
import ToolsetKit

// One run of a package, executed by the host's job service (kind "pipelines.run").
//
// Delivery is at least once: a run found 'running' when its job starts again was interrupted
// (daemon stopped or SIGKILLed mid-run). Its destinations were never committed (each writes in one
// transaction or temporary file), so it is queued again and runs from the start as attempt N+1. The
// last delivery (Limits.runAttempts) does not run it again but marks it failed (docs/PIPELINES.md).

let runJob = Job(kind: JobKind.run, toolset: "pipelines",
                 limits: JobLimits(maxConcurrency: Limits.runWorkers, timeoutSeconds: Limits.runTimeoutSeconds, maxAttempts: Limits.runAttempts,
                                   retryDelaySeconds: 2)) { job in
    guard let runID = job.payload["run_id"]?.stringValue else { throw InternalError("pipelines.run without a run_id") }
    let status = try RunExecution(job: job, runID: runID).execute()
    return ["run_id": .string(runID), "status": .string(status.rawValue)]
}

/// The host job kinds this toolset registers.
enum JobKind {
    static let run = "pipelines.run"
    static let scheduled = "pipelines.scheduled"
}

struct RunExecution {
    let job: JobRun
    let runID: String

    /// A store reading the clock now (a run lasts; every write gets its own time).
    private func store() throws -> PipelinesStore { PipelinesStore(try job.database, now: job.nowMilliseconds) }

    private func log(_ line: String) { try? store().appendLog(runID, line) }

    func execute() throws -> RunStatus {
        var run = try store().existingRun(runID)
        if run.status.isFinished { return run.status }
        if run.status == .running {
            // The job's last delivery only records the outcome, so a run never stays 'running' with no job behind it.
            if job.attempt >= job.maxAttempts {
                return try finish(.failed, error: "interrupted \(job.attempt - 1) times (the daemon stopped mid-run); giving up", component: nil)
            }
            try store().requeueInterrupted(run)
            log("WARN attempt \(job.attempt): the previous attempt was interrupted (the daemon stopped); no destination was changed, running again from the start")
        }
        guard let cluster = try store().cluster(run.clusterID) else { return try finish(.failed, error: "its cluster no longer exists", component: nil) }
        switch try claimNode(cluster) {
        case .claimed: break
        case .handedOff: return .queued
        case .stopped: return try stopped()
        }
        run = try store().existingRun(runID)
        guard let version = try store().version(run.packageVersion, of: run.packageID), let package = try store().package(run.packageID) else {
            return try finish(.failed, error: "package \(run.packageID) version \(run.packageVersion) no longer exists", component: nil)
        }
        let document: FlowDocument
        do { document = try FlowDocument.parse(version.snapshot["data_flow_json"] ?? .null) } catch {
            return try finish(.failed, error: "the package's data_flow_json does not parse: \(error)", component: nil)
        }
        let variables = VariableRules.values(defaults: version.snapshot["variables"]?.objectValue ?? package.variables, overrides: run.variables)
        log("INFO running package \(package.name) (\(package.id)) version \(run.packageVersion) on cluster \(cluster.name), attempt \(job.attempt)")
        let opener = ConnectionOpener(store: try store(), folder: try job.filesFolder())
        var limits = EngineLimits()
        limits.spillDirectory = try job.filesFolder()
        let runner = FlowRunner(document, variables: variables, connections: opener, limits: limits,
                                log: { line in self.log(opener.redact(line)) }, isCancelled: { job.isCancelled })
        let outcome: Result<RunReport, RunFailure>
        do { outcome = .success(try runner.run()) } catch { outcome = .failure(error) }
        switch outcome {
        case .success(let report):
            return try finish(.completed, error: nil, component: nil, report: report)
        case .failure(let failure):
            if failure.cancelled { return try stopped(report: failure.report) }
            return try finish(.failed, error: opener.redact(failure.message), component: failure.component, report: failure.report)
        }
    }

    /// What became of the wait for a node.
    private enum NodeClaim {
        case claimed
        /// Every node is busy: a new job will try again shortly; this one ends.
        case handedOff(jobID: String)
        /// Cancelled, finished elsewhere, or the daemon is stopping.
        case stopped
    }

    /// Claims a free node of the cluster (queued → running). When every node is busy the run stays
    /// queued and a new job, due in a second, tries again: a waiting run never holds one of the
    /// host's job threads, so a busy cluster cannot starve other clusters or tenants.
    private func claimNode(_ cluster: Cluster) throws -> NodeClaim {
        let current = try store().cluster(cluster.id) ?? cluster
        if try store().write({ try store().claimNode(try store().existingRun(runID), nodes: current.nodes, attempt: job.attempt) }) { return .claimed }
        if try job.isCancelled || store().existingRun(runID).status.isFinished { return .stopped }
        let waiting = "INFO waiting for a free node: all \(current.nodes) node(s) of cluster \(current.name) are busy"
        if try store().logTail(runID, lines: 1).last?.line != waiting { log(waiting) }
        let next = try job.enqueue(JobRequest(kind: JobKind.run, payload: ["run_id": .string(runID)],
                                              runAtMilliseconds: job.nowMilliseconds + Limits.nodeRecheckMilliseconds))
        try store().setJob(runID, jobID: next)
        return .handedOff(jobID: next)
    }

    /// The job stopped early: a cancel_job (the run is cancelled) or the daemon stopping (the job
    /// is retried after the restart, so the run goes back to the queue).
    private func stopped(report: RunReport? = nil) throws -> RunStatus {
        let run = try store().existingRun(runID)
        if run.status.isFinished { return run.status }
        if run.cancelRequested { return try finish(.cancelled, error: "cancelled by cancel_job", component: nil, report: report) }
        try store().requeueInterrupted(run)
        log("WARN the daemon is stopping; the run will start again from the beginning after the restart")
        throw InternalError("interrupted by shutdown; retried after the restart")
    }

    private func finish(_ status: RunStatus, error: String?, component: String?, report: RunReport? = nil) throws -> RunStatus {
        let rows: JSONValue = .array((report?.componentRows ?? []).map { ["component": .string($0.component), "rows": .int(Int64($0.rows))] })
        let s = try store()
        try s.write {
            try s.finish(runID, status: status, error: error, component: component, componentRows: rows, rowsWritten: report?.rowsWritten ?? 0)
            if let run = try s.run(runID) { try s.touch(clusterID: run.clusterID) }
        }
        log("INFO run \(status.rawValue)" + (error.map { ": \($0)" } ?? ""))
        return status
    }
}

/// The job a schedule fires: it starts a run of the schedule's package like run_package would,
/// attributed to the schedule. A disabled schedule, or one whose package was archived, fires nothing.
let scheduledRunJob = Job(kind: JobKind.scheduled, toolset: "pipelines", limits: JobLimits(maxConcurrency: 2, timeoutSeconds: 60, maxAttempts: 3)) { job in
    guard let scheduleID = job.payload["schedule_id"]?.stringValue else { throw InternalError("pipelines.scheduled without a schedule_id") }
    let store = PipelinesStore(try job.database, now: job.nowMilliseconds)
    guard let schedule = try store.schedule(scheduleID), schedule.enabled else { return ["skipped": "the schedule is disabled or gone"] }
    guard let package = try store.package(schedule.packageID), package.status == .active else {
        try store.recordFired(schedule, runID: nil)
        return ["skipped": "the package is archived"]
    }
    let cluster = try schedule.clusterID.flatMap { try store.cluster($0) } ?? store.defaultCluster()
    let run = try store.write {
        let run = try store.createRun(PipelinesStore.NewRun(package: package, cluster: cluster, parentRunID: nil, variables: schedule.variables,
                                                            startedBy: "schedule:\(schedule.id)", startedByName: "schedule \(schedule.name)"))
        try store.recordFired(schedule, runID: run.id)
        return run
    }
    let jobID = try job.enqueue(JobRequest(kind: JobKind.run, payload: ["run_id": .string(run.id)], idempotencyKey: run.id))
    try store.setJob(run.id, jobID: jobID)
    return ["run_id": .string(run.id)]
}
