import HTTPServer

/// The lanes of the worker pool: each toolset's calls. (The OAuth pages run apart, on the
/// pre-auth threads: PreAuthWork.)
enum WorkLane: Hashable, Sendable {
    case toolset(String)
    /// 2025-03-26 batches that call no toolset (see DeferredCall.toolsets).
    case batch
}

/// Where HTTP runs slow work: the worker pool, in lanes with caps (no toolset holds every worker;
/// see WorkerPool), and for tool calls a deadline (see CallLimits for the defaults).
///
/// One call, end to end:
/// 1. `submit` queues it on the lanes of the toolsets it calls, or answers 503 at once when the
///    first lane's queue is full;
/// 2. it arms the call's deadline on the one timer thread (DeadlineTimer);
/// 3. whichever comes first — a worker's result or the deadline — answers, decided by the call's
///    CallTicket, so `respond` is called exactly once. A call still queued at its deadline never
///    starts; one running at its deadline runs to completion (the host never stops a plugin call)
///    and its late result is logged and dropped. At its deadline a running call's CallControl is
///    cancelled, so a plugin that polls is_cancelled can stop early.
final class ToolCallScheduler: Sendable {
    private let pool: WorkerPool<WorkLane>
    private let timer: DeadlineTimer
    let limits: CallLimits

    init(workers: Int, limits: CallLimits) {
        self.limits = limits
        pool = WorkerPool(threads: workers, name: "toolhost-tools") { limits.lane($0) }
        timer = DeadlineTimer(name: "toolhost-deadlines")
    }

    func submit(_ call: DeferredCall, respond: @escaping @Sendable (MCPAnswer) -> Void) {
        let seconds = limits.timeoutSeconds(for: call.toolsets)
        // The ticket keeps only what the timeout answer needs: not `run`, which holds the request body.
        let (timedOut, control) = (call.timedOut, call.control)
        let ticket = CallTicket { expiry in
            // The plugin sees is_cancelled turn 1 (header section 10); a call that never started is
            // over, so a later cancel for its id finds nothing.
            if expiry == .beforeStart { control?.end() } else { control?.cancel(.deadline) }
            respond(timedOut(CallTimeout(seconds: seconds, expiry: expiry)))
        }
        let (run, describe) = (call.run, call.describe)
        let lanes = call.toolsets.isEmpty ? [WorkLane.batch] : call.toolsets.map(WorkLane.toolset)
        let admission = pool.submit(lanes: lanes) {
            guard ticket.start() else { return }  // answered at its deadline while queued: never runs
            let started = Clock.monotonicNanoseconds()
            let answer = run()
            if ticket.finish() {
                respond(answer)
            } else {
                let took = Double(Clock.monotonicNanoseconds() - started) / 1e9
                Log.info("tools", "late result discarded: \(describe()) finished \(String(format: "%.1f", took)) s after it started, past its \(seconds) s deadline; the client was told it timed out")
            }
        }
        if case .queueFull(let lane, let laneLimits) = admission {
            control?.end()
            respond(call.refused(lane, laneLimits))
            return
        }
        timer.schedule(ticket, after: UInt64(seconds) * 1_000_000_000)
    }

    /// Lets queued work finish (calls past their deadline are skipped), then ends the threads.
    func stop() {
        pool.stop()
        timer.stop()
    }
}
