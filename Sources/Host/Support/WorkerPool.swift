import Foundation

/// A fixed set of threads that run tool calls, so a slow toolset occupies a worker instead of
/// an event loop (which would stall every other connection on that loop). Requests that are
/// cheap and bounded (ping, tools/list, denials, errors) stay on the loop threads.
///
/// @unchecked: the queue and the flag are guarded by `condition`, an NSCondition because idle
/// workers wait on it (Mutex has no wait).
final class WorkerPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [() -> Void] = []
    private var head = 0
    private var stopping = false
    /// Each worker is in it while it runs: stop() waits on it instead of polling.
    private let running = DispatchGroup()

    init(threads count: Int, name: String) {
        for index in 0..<count {
            running.enter()
            let thread = Thread { [self] in
                work()
                running.leave()
            }
            thread.name = "\(name)-\(index)"
            thread.stackSize = 4 << 20  // deep JSON and schema recursion stay well inside this
            thread.start()
        }
    }

    func submit(_ job: @escaping () -> Void) {
        condition.lock()
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets queued jobs finish, then ends the threads.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        running.wait()
    }

    private func work() {
        while true {
            condition.lock()
            while head == queue.count && !stopping { condition.wait() }
            if head == queue.count {  // stopping and drained
                condition.unlock()
                return
            }
            let job = queue[head]
            head += 1
            if head > 1024 && head * 2 > queue.count {  // compact now and then, not per job
                queue.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job()
        }
    }
}
