import Foundation
import JSON
import PluginABI
import SQLite

// ABI 1.2 background jobs and schedules for Swift toolsets (header section 8):
//
//     Job(kind: "export", toolset: "notes", limits: JobLimits(maxAttempts: 5)) { run in
//         guard !run.isCancelled else { throw InternalError("stopped") }
//         try run.database.run("INSERT INTO exports …")
//         return ["rows": 42]                     // the job's output, kept by the host
//     }
//     // in a tool:
//     let id = try call.enqueue(JobRequest(kind: "export", payload: ["since": "2026-01-01"]))
//
// A job that returns is done; one that throws failed this attempt and runs again later, up to
// maxAttempts. Delivery is at least once: make the work idempotent, keyed by `run.jobID`.

/// How the host runs jobs of one kind.
public struct JobLimits: Sendable {
    public var maxConcurrency: Int
    public var timeoutSeconds: Double
    public var maxAttempts: Int
    public var retryDelaySeconds: Double

    public init(maxConcurrency: Int = 1, timeoutSeconds: Double = 600, maxAttempts: Int = 3, retryDelaySeconds: Double = 10) {
        self.maxConcurrency = maxConcurrency
        self.timeoutSeconds = timeoutSeconds
        self.maxAttempts = maxAttempts
        self.retryDelaySeconds = retryDelaySeconds
    }
}

public typealias JobHandler = @Sendable (JobRun) throws -> JSONValue?

/// A job kind this plugin runs; `toolset` (one of the plugin's) gates it per tenant.
public struct Job: Sendable {
    public let kind: String
    public let toolset: String
    public let limits: JobLimits
    public let handler: JobHandler

    public init(kind: String, toolset: String, limits: JobLimits = JobLimits(), handler: @escaping JobHandler) {
        self.kind = kind
        self.toolset = toolset
        self.limits = limits
        self.handler = handler
    }
}

/// A job to enqueue for the tenant of the current call.
public struct JobRequest: Sendable {
    public var kind: String
    public var payload: JSONValue
    /// Not before this time (ms since the epoch); nil = now.
    public var runAtMilliseconds: Int64?
    /// One job per (tenant, kind, key), ever: a second enqueue returns the first job's id.
    public var idempotencyKey: String?

    public init(kind: String, payload: JSONValue = .null, runAtMilliseconds: Int64? = nil, idempotencyKey: String? = nil) {
        self.kind = kind
        self.payload = payload
        self.runAtMilliseconds = runAtMilliseconds
        self.idempotencyKey = idempotencyKey
    }
}

/// A named cron schedule of the current call's tenant that enqueues `kind` each time it fires.
public struct Schedule: Sendable {
    public var name: String
    public var cron: String
    public var timeZone: String
    public var kind: String
    public var payload: JSONValue

    public init(name: String, cron: String, timeZone: String = "UTC", kind: String, payload: JSONValue = .null) {
        self.name = name
        self.cron = cron
        self.timeZone = timeZone
        self.kind = kind
        self.payload = payload
    }
}

/// The host refused a job or schedule request; `status` says how (TH_NOT_FOUND for an unknown
/// kind, TH_INVALID_ARGUMENT for a malformed request, TH_UNSUPPORTED on a host before ABI 1.2).
public struct JobServiceError: Error, CustomStringConvertible, Sendable {
    public let status: th_status
    public let message: String
    public var description: String { message }
}

/// One attempt of a job. Valid only while the handler runs: do not keep it (or its database).
public final class JobRun {
    public let tenant: String
    public let kind: String
    public let jobID: String
    /// 1 on the first delivery; higher after a failed attempt or a restart mid-run.
    public let attempt: Int
    public let maxAttempts: Int
    /// Token id, "cli:<operator>", "schedule:<name>" or "job:<id>".
    public let startedBy: String
    public let requestID: String
    public let payload: JSONValue
    let services: CallServices
    private var lease: DatabaseLease

    init(reading pointer: UnsafePointer<th_job_context>?, payload: JSONValue) {
        tenant = loadString(pointer, \.tenant) ?? ""
        kind = loadString(pointer, \.kind) ?? ""
        jobID = loadString(pointer, \.job_id) ?? ""
        attempt = Int(pointer.flatMap { loadField($0, \.attempt) } ?? 1)
        maxAttempts = Int(pointer.flatMap { loadField($0, \.max_attempts) } ?? 1)
        startedBy = loadString(pointer, \.started_by) ?? ""
        requestID = loadString(pointer, \.request_id) ?? ""
        self.payload = payload
        services = CallServices(handle: pointer.flatMap { loadField($0, \.call_handle) } ?? nil)
        lease = DatabaseLease(handle: loadDatabaseHandle(pointer, \.db), holder: "job")
    }

    /// The (tenant, plugin) database leased to this attempt.
    public var database: Database {
        get throws { try lease.database() }
    }

    func endLease() { lease.end() }

    /// True once the job should stop: cancelled, timed out, or the daemon is stopping.
    public var isCancelled: Bool { services.isCancelled }

    /// Enqueues a job attributed to this one ("job:<id>").
    public func enqueue(_ request: JobRequest) throws(JobServiceError) -> String { try services.enqueue(request) }

    public func log(_ message: String, level: LogLevel = .info) { HostAPI.log(message, level: level) }

    /// Wall-clock milliseconds since the Unix epoch, from the host.
    public var nowMilliseconds: Int64 { HostAPI.nowMilliseconds() }
}

extension ToolCall {
    /// Enqueues a job for this call's tenant, attributed to the calling token; returns its id.
    public func enqueue(_ request: JobRequest) throws(JobServiceError) -> String { try services.enqueue(request) }
    public func setSchedule(_ schedule: Schedule) throws(JobServiceError) { try services.setSchedule(schedule) }
    public func deleteSchedule(named name: String) throws(JobServiceError) { try services.deleteSchedule(name) }
    /// Cancels a job of this tenant and plugin (a running one is asked to stop).
    public func cancelJob(_ id: String) throws(JobServiceError) { try services.cancel(id) }

    var services: CallServices { CallServices(handle: rawContext.flatMap { loadField($0, \.call_handle) } ?? nil) }
}

extension OperatorContext {
    /// Enqueues a job for the command's tenant, attributed to the operator; the daemon runs it.
    public func enqueue(_ request: JobRequest) throws(JobServiceError) -> String { try services.enqueue(request) }
    public func setSchedule(_ schedule: Schedule) throws(JobServiceError) { try services.setSchedule(schedule) }
    public func deleteSchedule(named name: String) throws(JobServiceError) { try services.deleteSchedule(name) }
    public func cancelJob(_ id: String) throws(JobServiceError) { try services.cancel(id) }

    var services: CallServices { CallServices(handle: callHandle) }
}

/// The ABI 1.2 host functions that act for one running call, through its call_handle.
struct CallServices {
    let handle: UnsafeMutableRawPointer?

    /// The host's table when it speaks ABI 1.2 and this call has a handle.
    func hostTable() throws(JobServiceError) -> th_host_api { try table() }

    private func table() throws(JobServiceError) -> th_host_api {
        guard let host = HostAPI.current, host.table.abi_minor >= 2, handle != nil else {
            throw JobServiceError(status: TH_UNSUPPORTED, message: "this host does not run jobs (ABI 1.2)")
        }
        return host.table
    }

    private func check(_ status: th_status, _ what: String) throws(JobServiceError) {
        guard status == TH_OK else { throw JobServiceError(status: status, message: "the host refused to \(what) (status \(status.rawValue))") }
    }

    var isCancelled: Bool {
        guard let table = try? table(), let isCancelled = table.is_cancelled else { return false }
        return isCancelled(table.host, handle) != 0
    }

    func enqueue(_ request: JobRequest) throws(JobServiceError) -> String {
        let table = try table()
        guard let enqueue = table.enqueue_job else { throw JobServiceError(status: TH_UNSUPPORTED, message: "enqueue_job is not provided") }
        let payload = request.payload.serialized()
        var id = [CChar](repeating: 0, count: Int(TH_JOB_ID_SIZE))
        let status = request.kind.withCString { kind in
            withOptionalCString(request.idempotencyKey) { key in
                payload.withUnsafeBufferPointer { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { chars in
                        var c = th_job_request()
                        c.struct_size = UInt32(MemoryLayout<th_job_request>.size)
                        c.kind = kind
                        c.payload_json = chars.baseAddress
                        c.payload_len = chars.count
                        c.run_at_ms = request.runAtMilliseconds ?? 0
                        c.idempotency_key = key
                        return enqueue(table.host, handle, &c, &id, id.count)
                    }
                }
            }
        }
        try check(status, "enqueue a \(request.kind) job")
        return String(decoding: id.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func setSchedule(_ schedule: Schedule) throws(JobServiceError) {
        let table = try table()
        guard let set = table.set_schedule else { throw JobServiceError(status: TH_UNSUPPORTED, message: "set_schedule is not provided") }
        let payload = schedule.payload.serialized()
        let status = schedule.name.withCString { name in
            schedule.cron.withCString { cron in
                schedule.timeZone.withCString { zone in
                    schedule.kind.withCString { kind in
                        payload.withUnsafeBufferPointer { bytes in
                            bytes.withMemoryRebound(to: CChar.self) { chars in
                                var c = th_schedule_def()
                                c.struct_size = UInt32(MemoryLayout<th_schedule_def>.size)
                                c.name = name
                                c.cron = cron
                                c.time_zone = zone
                                c.kind = kind
                                c.payload_json = chars.baseAddress
                                c.payload_len = chars.count
                                return set(table.host, handle, &c)
                            }
                        }
                    }
                }
            }
        }
        try check(status, "set schedule \(schedule.name) (the host log says why)")
    }

    func deleteSchedule(_ name: String) throws(JobServiceError) {
        let table = try table()
        guard let delete = table.delete_schedule else { throw JobServiceError(status: TH_UNSUPPORTED, message: "delete_schedule is not provided") }
        try check(delete(table.host, handle, name), "delete schedule \(name)")
    }

    func cancel(_ id: String) throws(JobServiceError) {
        let table = try table()
        guard let cancel = table.cancel_job else { throw JobServiceError(status: TH_UNSUPPORTED, message: "cancel_job is not provided") }
        try check(cancel(table.host, handle, id), "cancel job \(id)")
    }
}

/// `body` with a C string of `text`, or NULL when nil.
private func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}

/// The host's cron evaluation (header section 8, `cron_next`): the same rules its schedules fire by.
public enum Cron {
    /// The first firing strictly after `afterMilliseconds`; nil when it never fires within five years.
    /// Throws TH_INVALID_ARGUMENT for a malformed expression or an unknown time zone.
    public static func next(_ cron: String, timeZone: String, after afterMilliseconds: Int64) throws(JobServiceError) -> Int64? {
        guard let host = HostAPI.current, host.table.abi_minor >= 2, let cronNext = host.table.cron_next else {
            throw JobServiceError(status: TH_UNSUPPORTED, message: "this host does not evaluate cron expressions (ABI 1.2)")
        }
        var next: Int64 = 0
        let status = cron.withCString { c in timeZone.withCString { z in cronNext(host.table.host, c, z, afterMilliseconds, &next) } }
        switch status {
        case TH_OK: return next
        case TH_NOT_FOUND: return nil
        default:
            throw JobServiceError(status: status, message: "\"\(cron)\" in time zone \(timeZone) is not a valid schedule "
                + "(5 fields: minute hour day-of-month month day-of-week; an IANA zone such as Europe/Berlin)")
        }
    }
}
