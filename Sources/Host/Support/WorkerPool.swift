import Foundation

/// How many jobs of one lane may run at the same time, and how many may wait for a slot.
struct LaneLimits: Sendable, Equatable {
    /// At least 1.
    var maxRunning: Int
    /// 0: a job that cannot start at once is refused.
    var maxQueued: Int
}

/// A fixed set of threads that run slow work (tool calls, OAuth pages), so that it occupies a
/// worker instead of an event loop (which would stall every other connection on that loop).
/// Requests that are cheap and bounded (ping, tools/list, denials, errors) stay on the loop threads.
///
/// Work is sorted into lanes (a toolset's calls, the OAuth pages). Each lane has a cap on the jobs
/// it runs at once and a bound on the jobs waiting. The cap is checked *before* a worker takes a
/// job: a lane at its cap keeps its backlog in its own queue and holds no worker, so a slow toolset
/// can never take the workers another lane needs (a worker that took the job and then waited for a
/// slot would be that starvation again).
///
/// A job may name several lanes (a batch calling several toolsets). It waits in the first lane's
/// queue, counts against that queue's bound, starts only when every lane it names is below its cap,
/// and then holds a slot in each.
///
/// Free workers serve the lanes with waiting jobs in turn (round robin), not in arrival order, so
/// a lane with a long backlog does not delay the first job of another.
///
/// @unchecked: all state is guarded by `condition`, an NSCondition because idle workers wait on it
/// (Mutex has no wait). The critical sections are short: a dictionary lookup and an append when
/// submitting; a scan of the lanes that have waiting jobs (a handful) when picking.
final class WorkerPool<LaneKey: Hashable & Sendable>: @unchecked Sendable {
    enum Admission: Equatable {
        case accepted
        /// The lane's queue is at its bound; the job was not taken.
        case queueFull(LaneKey, LaneLimits)
    }

    private final class Lane {
        let key: LaneKey
        let limits: LaneLimits
        var running = 0
        /// Waiting jobs, oldest first.
        var queue = FIFOQueue<Job>()
        /// Listed in `pending` (has waiting jobs).
        var isPending = false

        init(key: LaneKey, limits: LaneLimits) {
            self.key = key
            self.limits = limits
        }

        var waiting: Int { queue.count }
        /// The waiting jobs that will not get one of the free slots: what the queue bound counts,
        /// so a job queued a moment before a worker takes it does not count against it.
        var waitingForSlot: Int { waiting - max(0, limits.maxRunning - running) }
        var hasFreeSlot: Bool { running < limits.maxRunning }

        func popHead() -> Job { queue.removeFirst() }
    }

    private struct Job {
        let lanes: [Lane]
        let body: () -> Void

        var canStart: Bool { lanes.allSatisfy(\.hasFreeSlot) }
    }

    private let condition = NSCondition()
    private let limitsFor: @Sendable (LaneKey) -> LaneLimits
    private var lanes: [LaneKey: Lane] = [:]
    /// Lanes with waiting jobs, served round robin from `cursor`.
    private var pending: [Lane] = []
    private var cursor = 0
    private var stopping = false
    /// Each worker is in it while it runs: stop() waits on it instead of polling.
    private let running = DispatchGroup()

    /// - Parameter limits: a lane's limits, asked once, when the lane is first used.
    /// - Parameter threadStart: run first on each thread (PreAuthWork lowers their CPU priority).
    init(threads count: Int, name: String, threadStart: (@Sendable () -> Void)? = nil, limits: @escaping @Sendable (LaneKey) -> LaneLimits) {
        precondition(count > 0, "a worker pool needs at least one thread")
        limitsFor = limits
        for index in 0..<count {
            running.enter()
            let thread = Thread { [self] in
                threadStart?()
                work()
                running.leave()
            }
            thread.name = "\(name)-\(index)"
            thread.stackSize = 4 << 20  // deep JSON and schema recursion stay well inside this
            thread.start()
        }
    }

    /// Queues `job` on `keys` (at least one), or refuses it when the first lane already has
    /// `maxQueued` jobs waiting for a slot. A job for which a slot is free is never refused.
    func submit(lanes keys: [LaneKey], _ job: @escaping () -> Void) -> Admission {
        precondition(!keys.isEmpty, "a job names at least one lane")
        condition.lock()
        defer { condition.unlock() }
        let entry = Job(lanes: keys.map(lane), body: job)
        let first = entry.lanes[0]
        if first.waitingForSlot >= first.limits.maxQueued { return .queueFull(first.key, first.limits) }
        first.queue.append(entry)
        if !first.isPending {
            first.isPending = true
            pending.append(first)
        }
        // A job that cannot start now is started by the worker that frees its slot.
        if entry.canStart { condition.signal() }
        return .accepted
    }

    /// Lets queued jobs finish, then ends the threads.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        running.wait()
    }

    private func lane(_ key: LaneKey) -> Lane {
        if let existing = lanes[key] { return existing }
        let created = Lane(key: key, limits: limitsFor(key))
        lanes[key] = created
        return created
    }

    private func work() {
        condition.lock()
        while true {
            guard let job = takeNext() else {
                if stopping && pending.isEmpty {
                    // Drained. Workers that went back to sleep while a capped lane still had jobs
                    // waiting would never learn it: wake them to leave too.
                    condition.broadcast()
                    condition.unlock()
                    return
                }
                condition.wait()
                continue
            }
            // Another idle worker can start right away: wake one (a finished multi-lane job may
            // have freed slots for several).
            if pending.contains(where: { $0.queue.first?.canStart == true }) { condition.signal() }
            condition.unlock()
            job.body()
            condition.lock()
            for lane in job.lanes { lane.running -= 1 }
        }
    }

    /// The next job whose lanes all have a free slot, taken off its queue with its slots held;
    /// lanes are tried round robin from `cursor`. Called with the lock held.
    private func takeNext() -> Job? {
        for step in 0..<pending.count {
            let index = (cursor + step) % pending.count
            let lane = pending[index]
            guard lane.queue.first?.canStart == true else { continue }
            let job = lane.popHead()
            for held in job.lanes { held.running += 1 }
            if lane.waiting == 0 {
                lane.isPending = false
                pending.remove(at: index)
                cursor = pending.isEmpty ? 0 : index % pending.count
            } else {
                cursor = (index + 1) % pending.count
            }
            return job
        }
        return nil
    }
}
