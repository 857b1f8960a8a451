import Foundation
import Glibc

/// Something with a deadline: told when it passes, unless it was settled before.
protocol DeadlineTarget: AnyObject, Sendable {
    /// Settled already (e.g. the call was answered): its entry can go without waiting for the deadline.
    var isSettled: Bool { get }
    /// Runs on the timer thread, so it must be quick: send an answer, not do work.
    func deadlinePassed()
}

/// One thread that tells targets when their deadlines pass: every tool call's deadline, without
/// a thread or a kernel timer per call.
///
/// Deadlines are kept in one FIFO per delay. Toolsets have few distinct timeouts, and with one
/// delay a later submission always has a later deadline, so each FIFO is sorted by construction:
/// scheduling is an append, the next deadline is the earliest head (O(number of delays)), and no
/// heap is needed.
///
/// Entries are not cancelled one by one. Calls mostly finish in the order they came, so settled
/// entries gather at the heads; `schedule` drops the settled heads of its FIFO before appending
/// (amortised O(1), under the lock it takes anyway). Under steady load the FIFOs therefore hold
/// about the calls in flight, and the thread wakes only when a head is really due — not once per
/// finished call. What a settled entry still holds until then is the target object alone (the
/// ticket drops its answer handler when it settles).
///
/// @unchecked: the state is guarded by `mutex`, a pthread mutex paired with a condition variable
/// on the monotonic clock (NSCondition waits on the wall clock, which may jump).
final class DeadlineTimer: @unchecked Sendable {
    private struct Entry {
        let due: UInt64
        let target: DeadlineTarget
    }

    /// The deadlines of one delay, in order.
    private final class FIFO {
        private var entries = FIFOQueue<Entry>()

        var first: Entry? { entries.first }
        func append(_ entry: Entry) { entries.append(entry) }
        func removeFirst() -> Entry { entries.removeFirst() }

        func dropSettledHeads() {
            while let first, first.target.isSettled { _ = removeFirst() }
        }
    }

    /// Deadlines this close together fire in one wakeup.
    private static let coalesceNanoseconds: UInt64 = 1_000_000

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wakeup = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var queues: [UInt64: FIFO] = [:]
    /// When the thread wakes next on its own (UInt64.max: only when signalled).
    private var sleepingUntil = UInt64.max
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)

    init(name: String) {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(wakeup, &attributes)
        pthread_condattr_destroy(&attributes)
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = name
        thread.start()
    }

    deinit {
        pthread_cond_destroy(wakeup)
        pthread_mutex_destroy(mutex)
        wakeup.deallocate()
        mutex.deallocate()
    }

    /// Tells `target` once `delay` nanoseconds have passed, unless it has settled by then.
    func schedule(_ target: DeadlineTarget, after delay: UInt64) {
        let due = Clock.monotonicNanoseconds() + delay
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !stopping else { return }
        let queue = fifo(for: delay)
        queue.dropSettledHeads()
        queue.append(Entry(due: due, target: target))
        // Only a deadline earlier than the thread's next wakeup needs to wake it: with one delay in
        // use, that is never the case once the thread sleeps until a head.
        if due < sleepingUntil {
            sleepingUntil = due
            pthread_cond_signal(wakeup)
        }
    }

    /// Ends the thread; deadlines not yet passed are dropped.
    func stop() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_signal(wakeup)
        pthread_mutex_unlock(mutex)
        finished.wait()
    }

    private func fifo(for delay: UInt64) -> FIFO {
        if let existing = queues[delay] { return existing }
        let created = FIFO()
        queues[delay] = created
        return created
    }

    private func run() {
        pthread_mutex_lock(mutex)
        while !stopping {
            let due = takeDue(now: Clock.monotonicNanoseconds())
            if !due.isEmpty {
                pthread_mutex_unlock(mutex)
                for entry in due { entry.target.deadlinePassed() }
                pthread_mutex_lock(mutex)
                continue
            }
            sleepingUntil = queues.values.compactMap(\.first?.due).min() ?? UInt64.max
            if sleepingUntil == UInt64.max {
                pthread_cond_wait(wakeup, mutex)
            } else {
                var until = timespec(tv_sec: Int(sleepingUntil / 1_000_000_000), tv_nsec: Int(sleepingUntil % 1_000_000_000))
                pthread_cond_timedwait(wakeup, mutex, &until)
            }
        }
        pthread_mutex_unlock(mutex)
    }

    /// Removes and returns the unsettled entries due by `now` (plus the coalescing margin), and
    /// drops settled heads on the way. Lock held.
    private func takeDue(now: UInt64) -> [Entry] {
        var due: [Entry] = []
        for queue in queues.values {
            queue.dropSettledHeads()
            while let first = queue.first, first.due <= now + DeadlineTimer.coalesceNanoseconds {
                let entry = queue.removeFirst()
                if !entry.target.isSettled { due.append(entry) }
            }
        }
        return due
    }
}
