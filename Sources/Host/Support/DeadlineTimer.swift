import Foundation
import Glibc

/// One thread that runs actions when their deadlines pass: every tool call's deadline, without a
/// thread or a kernel timer per call.
///
/// Deadlines are kept in one FIFO per delay. Toolsets have few distinct timeouts, and with one
/// delay a later submission always has a later deadline, so each FIFO is sorted by construction:
/// scheduling is an append, the next deadline is the earliest head (O(number of delays)), and no
/// heap is needed.
///
/// Entries are never cancelled: the action of a call that finished first finds its ticket
/// answered and does nothing (see CallTicket). That keeps the request path to one append under a
/// short lock; the price is that an entry lives until its deadline (a few hundred bytes).
///
/// @unchecked: the state is guarded by `mutex`, a pthread mutex paired with a condition variable
/// on the monotonic clock (NSCondition waits on the wall clock, which may jump).
final class DeadlineTimer: @unchecked Sendable {
    private struct Entry {
        let due: UInt64
        let action: @Sendable () -> Void
    }

    /// The deadlines of one delay, in order.
    private final class FIFO {
        var entries: [Entry] = []
        var head = 0

        var first: Entry? { head < entries.count ? entries[head] : nil }

        func removeFirst() -> Entry {
            let entry = entries[head]
            head += 1
            if head == entries.count {
                entries.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 1024 && head * 2 > entries.count {
                entries.removeFirst(head)
                head = 0
            }
            return entry
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

    /// Runs `action` on the timer thread once `delay` nanoseconds have passed. The action must be
    /// quick (it delays every later deadline): answer a request, not do the work.
    func schedule(after delay: UInt64, _ action: @escaping @Sendable () -> Void) {
        let due = Clock.monotonicNanoseconds() + delay
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !stopping else { return }
        let queue = queues[delay] ?? {
            let created = FIFO()
            queues[delay] = created
            return created
        }()
        queue.entries.append(Entry(due: due, action: action))
        // Only a deadline earlier than the thread's next wakeup needs to wake it: with one delay in
        // use, that is never the case once the first entry is in.
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

    private func run() {
        pthread_mutex_lock(mutex)
        while !stopping {
            let now = Clock.monotonicNanoseconds()
            let due = takeDue(now: now)
            if !due.isEmpty {
                pthread_mutex_unlock(mutex)
                for entry in due { entry.action() }
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

    /// Removes and returns every entry due by `now` (plus the coalescing margin). Lock held.
    private func takeDue(now: UInt64) -> [Entry] {
        var due: [Entry] = []
        for queue in queues.values {
            while let first = queue.first, first.due <= now + DeadlineTimer.coalesceNanoseconds {
                due.append(queue.removeFirst())
            }
        }
        return due
    }
}
