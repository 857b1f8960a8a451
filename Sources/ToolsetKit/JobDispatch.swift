import JSON
import PluginABI

/// One registered job kind: what the host hands back to the job function as handler_data.
final class ExportedJob: Sendable {
    let job: Job
    init(_ job: Job) { self.job = job }
}

/// The `run` of every exported job kind.
let jobThunk: th_job_fn = { data, context, payload, length, result in
    JobDispatcher.dispatch(data, context, payload, length, result)
}

/// Runs one attempt of a job that came across the C boundary (header section 8). The handler's
/// return value is the job's output; a thrown error is a failed attempt. No Swift error leaves.
enum JobDispatcher {
    static func dispatch(
        _ data: UnsafeMutableRawPointer?, _ contextPointer: UnsafePointer<th_job_context>?,
        _ payload: UnsafePointer<CChar>?, _ length: Int, _ resultPointer: UnsafeMutablePointer<th_call_result>?
    ) -> th_status {
        guard let resultPointer else { return TH_INVALID_ARGUMENT }
        let result = CallResultSlot(pointer: resultPointer)
        guard let data else { return result.fail(TH_INVALID_ARGUMENT, "the job was given no handler_data") }
        let job = Unmanaged<ExportedJob>.fromOpaque(data).takeUnretainedValue().job
        var value = JSONValue.null
        if let payload, length > 0 {
            guard let parsed = try? JSONParser.parse(UnsafeRawBufferPointer(start: UnsafeRawPointer(payload), count: length)) else {
                return result.fail(TH_INVALID_ARGUMENT, "the payload of job kind \(job.kind) is not JSON")
            }
            value = parsed
        }
        let run = JobRun(reading: contextPointer, payload: value)
        defer { run.endLease() }
        do {
            guard let output = try job.handler(run) else { return TH_OK }
            return result.succeed(with: output.serialized())
        } catch {
            HostAPI.log("job \(run.jobID) (\(job.kind)) attempt \(run.attempt) failed: \(error)", level: .warning)
            return result.fail(TH_ERROR, "\(error)")
        }
    }
}

extension Registrar {
    /// Registers the definition's job kinds (ABI 1.2), after the toolsets they name. A host without
    /// add_job_handler could never run them, so the plugin refuses to load rather than half-work.
    func addJobs(of definition: PluginDefinition) throws(RegistrationRefusal) {
        guard !definition.jobs.isEmpty else { return }
        guard hasField(pointer, \th_registrar.add_job_handler), let add = pointer.pointee.add_job_handler else {
            throw RegistrationRefusal(TH_UNSUPPORTED, "this host does not run jobs (ABI 1.2 add_job_handler)")
        }
        for job in definition.jobs {
            let data = Unmanaged.passRetained(ExportedJob(job)).toOpaque()
            let status = job.kind.withCString { kind in
                job.toolset.withCString { toolset in
                    var def = th_job_handler_def()
                    def.struct_size = UInt32(MemoryLayout<th_job_handler_def>.size)
                    def.kind = kind
                    def.toolset = toolset
                    def.run = jobThunk
                    def.release = releaseResultThunk
                    def.handler_data = data
                    def.max_concurrency = UInt32(clamping: job.limits.maxConcurrency)
                    def.timeout_ms = UInt32(clamping: Int((job.limits.timeoutSeconds * 1000).rounded()))
                    def.max_attempts = UInt32(clamping: job.limits.maxAttempts)
                    def.retry_delay_ms = UInt32(clamping: Int((job.limits.retryDelaySeconds * 1000).rounded()))
                    return add(host, &def)
                }
            }
            if status != TH_OK { throw RegistrationRefusal(status, "the host refused job kind \"\(job.kind)\"") }
        }
    }
}
