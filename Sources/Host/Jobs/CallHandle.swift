import Synchronization

/// What `ctx->call_handle` points at (ABI 1.2): the running call, operator command or job attempt
/// that a host function acts for. It says which tenant and plugin the call belongs to (so a plugin
/// can only ever enqueue, cancel or schedule for the tenant it is serving), who started it (the
/// attribution of jobs it enqueues), and whether it has been asked to stop.
///
/// Handed to the plugin unretained for the duration of the call; the caller keeps it alive.
final class CallHandle: Sendable {
    let tenant: String
    let plugin: LoadedPlugin
    /// Token id, "cli:<operator>", "schedule:<name>" or "job:<id>": recorded as `started_by` of jobs enqueued here.
    let origin: String
    let requestID: String
    private let stopRequested = Atomic<Bool>(false)
    /// A tool call's cancellation and progress (header section 10); nil for jobs and operator commands.
    let control: CallControl?
    /// The job attempt this handle stands for, if it is one: what call_tool acts for (header section 12).
    let job: JobIdentity?

    init(tenant: String, plugin: LoadedPlugin, origin: String, requestID: String, control: CallControl? = nil, job: JobIdentity? = nil) {
        self.control = control
        self.job = job
        self.tenant = tenant
        self.plugin = plugin
        self.origin = origin
        self.requestID = requestID
    }

    /// Asks the call to stop (a cancelled job, a timeout, a shutdown); the plugin polls is_cancelled.
    func requestStop() { stopRequested.store(true, ordering: .relaxed) }
    var isStopRequested: Bool { stopRequested.load(ordering: .relaxed) || control?.isCancelled == true }

    var opaque: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> CallHandle? {
        pointer.map { Unmanaged<CallHandle>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// A job as far as its calls on behalf of someone care: its id and who started it.
struct JobIdentity: Sendable {
    let id: String
    /// Token id ("tok_…"), "cli:<operator>", "schedule:<name>" or "job:<id>".
    let startedBy: String
}
