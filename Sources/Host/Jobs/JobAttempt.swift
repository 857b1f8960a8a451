import JSON
import PluginABI

/// One attempt of one job: the tenant's database leased as for a tool call (with the same
/// transaction check), the job context built, the handler called through PluginCall.
struct JobAttempt {
    let job: JobRecord
    let handler: RegisteredJobHandler
    let handle: CallHandle
    let databases: ToolsetDatabases

    /// The most output a job may leave for `toolhost jobs show`.
    static let maxOutputBytes = 64 * 1024

    enum Outcome {
        case succeeded(output: String?)
        case failed(String)

        var error: String? {
            if case .failed(let error) = self { return error }
            return nil
        }
    }

    func run() -> Outcome {
        let strings = CStringBlock([job.tenant, job.kind, job.id, job.startedBy, handle.requestID])
        do {
            return try databases.withDatabase(tenant: job.tenant, plugin: handler.plugin, purpose: "job \(job.kind) \(job.id)") { database in
                strings.withPointers { p in
                    var context = th_job_context()
                    context.struct_size = UInt32(MemoryLayout<th_job_context>.size)
                    context.tenant = p[0]
                    context.kind = p[1]
                    context.job_id = p[2]
                    context.attempt = UInt32(job.attempt)
                    context.max_attempts = UInt32(job.maxAttempts)
                    context.started_by = p[3]
                    context.request_id = p[4]
                    context.db = UnsafeMutableRawPointer(database.handle)
                    context.call_handle = handle.opaque
                    return call(&context)
                }
            }
        } catch {
            return .failed("\(error)")
        }
    }

    private func call(_ context: inout th_job_context) -> Outcome {
        let reply = PluginCall.run(arguments: Array(job.payload.utf8), release: { handler.release(handler.handlerData, $0) }) { payload, count, result in
            handler.run(handler.handlerData, &context, payload, count, result)
        }
        guard reply.status == TH_OK else {
            return .failed("status \(reply.status.rawValue): \(reply.message ?? "no message given")")
        }
        switch reply.json {
        case nil: return .succeeded(output: nil)
        case .failure(let problem): return .failed("the job returned invalid JSON: \(problem)")
        case .success(let value):
            let text = value.jsonString
            guard text.utf8.count <= Self.maxOutputBytes else {
                return .failed("the job's output is \(text.utf8.count) bytes; at most \(Self.maxOutputBytes) are kept")
            }
            return .succeeded(output: text)
        }
    }
}
