import Foundation
import JSON
import Synchronization
import XCTest
@testable import Host

/// The worker pool's lanes: caps hold before a worker takes a job, queues are bounded, and a
/// lane at its cap never keeps another lane's job from a free worker.
final class WorkerPoolLaneTests: XCTestCase {
    private func pool(threads: Int, running: Int, queued: Int) -> WorkerPool<String> {
        WorkerPool(threads: threads, name: "test-pool") { _ in LaneLimits(maxRunning: running, maxQueued: queued) }
    }

    func testALaneAtItsCapLeavesAWorkerForAnotherLane() {
        let pool = pool(threads: 2, running: 1, queued: 10)
        defer { pool.stop() }
        let release = DispatchSemaphore(value: 0)
        let slowStarted = Atomic<Int>(0)
        for _ in 0..<3 {
            XCTAssertEqual(pool.submit(lanes: ["slow"]) {
                slowStarted.add(1, ordering: .relaxed)
                release.wait()
            }, .accepted)
        }
        let quick = DispatchSemaphore(value: 0)
        XCTAssertEqual(pool.submit(lanes: ["quick"]) { quick.signal() }, .accepted)
        XCTAssertEqual(quick.wait(timeout: .now() + 2), .success, "the quick lane's job waited behind the slow lane")
        XCTAssertLessThanOrEqual(slowStarted.load(ordering: .relaxed), 1, "the slow lane ran more jobs than its cap")
        for _ in 0..<3 { release.signal() }
    }

    func testAFullQueueRefusesAtOnceAndAFreeSlotNeverDoes() {
        let pool = pool(threads: 2, running: 1, queued: 1)
        let release = DispatchSemaphore(value: 0)
        XCTAssertEqual(pool.submit(lanes: ["a"]) { release.wait() }, .accepted)  // runs
        XCTAssertEqual(pool.submit(lanes: ["a"]) {}, .accepted)                  // waits
        XCTAssertEqual(pool.submit(lanes: ["a"]) {}, .queueFull("a", LaneLimits(maxRunning: 1, maxQueued: 1)))
        XCTAssertEqual(pool.submit(lanes: ["b"]) {}, .accepted)
        release.signal()
        pool.stop()
    }

    func testAJobNamingTwoLanesHoldsASlotInEach() {
        let pool = pool(threads: 3, running: 1, queued: 10)
        defer { pool.stop() }
        let release = DispatchSemaphore(value: 0)
        let both = DispatchSemaphore(value: 0)
        XCTAssertEqual(pool.submit(lanes: ["x", "y"]) { both.signal(); release.wait() }, .accepted)
        XCTAssertEqual(both.wait(timeout: .now() + 2), .success)
        let yRan = DispatchSemaphore(value: 0)
        XCTAssertEqual(pool.submit(lanes: ["y"]) { yRan.signal() }, .accepted)
        XCTAssertEqual(yRan.wait(timeout: .now() + 0.2), .timedOut, "y ran while the batch held its only slot")
        release.signal()
        XCTAssertEqual(yRan.wait(timeout: .now() + 2), .success)
    }

    func testStopRunsWhatIsQueuedThenEnds() {
        let pool = pool(threads: 2, running: 1, queued: 100)
        let ran = Atomic<Int>(0)
        for _ in 0..<20 { _ = pool.submit(lanes: ["a"]) { ran.add(1, ordering: .relaxed) } }
        pool.stop()
        XCTAssertEqual(ran.load(ordering: .relaxed), 20)
    }
}

/// Exactly one of result and deadline answers; a call that expired while queued never starts.
final class CallTicketTests: XCTestCase {
    /// @unchecked: `list` is guarded by `lock`.
    private final class Answers: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [CallTicket.Expiry] = []
        func append(_ expiry: CallTicket.Expiry) { lock.withLock { list.append(expiry) } }
        var all: [CallTicket.Expiry] { lock.withLock { list } }
    }

    func testTheResultWins() {
        let answers = Answers()
        let ticket = CallTicket { expiry in answers.append(expiry) }
        XCTAssertTrue(ticket.start())
        XCTAssertFalse(ticket.isSettled)
        XCTAssertTrue(ticket.finish())
        XCTAssertTrue(ticket.isSettled)
        ticket.deadlinePassed()
        XCTAssertEqual(answers.all, [])
    }

    func testTheDeadlineWinsWhileRunning() {
        let answers = Answers()
        let ticket = CallTicket { expiry in answers.append(expiry) }
        XCTAssertTrue(ticket.start())
        ticket.deadlinePassed()
        XCTAssertFalse(ticket.finish(), "a late result must be dropped")
        ticket.deadlinePassed()
        XCTAssertEqual(answers.all, [.whileRunning])
    }

    func testAQueuedCallPastItsDeadlineNeverStarts() {
        let answers = Answers()
        let ticket = CallTicket { expiry in answers.append(expiry) }
        ticket.deadlinePassed()
        XCTAssertFalse(ticket.start())
        XCTAssertEqual(answers.all, [.beforeStart])
    }

    func testRacingSidesAnswerExactlyOnce() {
        for _ in 0..<2000 {
            let answers = Atomic<Int>(0)
            let ticket = CallTicket { _ in answers.add(1, ordering: .relaxed) }
            DispatchQueue.concurrentPerform(iterations: 2) { side in
                if side == 0 {
                    if ticket.start(), ticket.finish() { answers.add(1, ordering: .relaxed) }
                } else {
                    ticket.deadlinePassed()
                }
            }
            XCTAssertEqual(answers.load(ordering: .relaxed), 1)
        }
    }
}

final class DeadlineTimerTests: XCTestCase {
    private final class Target: DeadlineTarget, @unchecked Sendable {
        let fired = DispatchSemaphore(value: 0)
        let settled = Atomic<Bool>(false)
        var isSettled: Bool { settled.load(ordering: .relaxed) }
        func deadlinePassed() { fired.signal() }
    }

    func testDeadlinesFireInOrderAcrossDelaysAndSettledOnesStayQuiet() {
        let timer = DeadlineTimer(name: "test-deadlines")
        defer { timer.stop() }
        let long = Target(), short = Target(), settled = Target()
        settled.settled.store(true, ordering: .relaxed)
        let started = Date()
        timer.schedule(long, after: 300_000_000)
        timer.schedule(settled, after: 50_000_000)
        timer.schedule(short, after: 100_000_000)
        XCTAssertEqual(short.fired.wait(timeout: .now() + 2), .success)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.099)
        XCTAssertEqual(long.fired.wait(timeout: .now() + 0.05), .timedOut, "the 300 ms deadline fired early")
        XCTAssertEqual(long.fired.wait(timeout: .now() + 2), .success)
        XCTAssertEqual(settled.fired.wait(timeout: .now() + 0.1), .timedOut)
    }
}

final class CallLimitsTests: XCTestCase {
    func testDefaultsLeaveOneWorkerAndToolsetsOverride() throws {
        let overrides = try ToolsetCallSettings.parseSection(
            try JSONParser.parse(Array(#"{"slow": {"max_concurrent_calls": 2, "call_timeout_seconds": 5}}"#.utf8)))
        let limits = try CallLimits(workers: 4, environment: [:], toolsets: overrides)
        XCTAssertEqual(limits.lane(.toolset("clock")), LaneLimits(maxRunning: 3, maxQueued: 256))
        XCTAssertEqual(limits.lane(.toolset("slow")), LaneLimits(maxRunning: 2, maxQueued: 256))
        XCTAssertEqual(limits.timeoutSeconds(for: ["clock"]), 30)
        XCTAssertEqual(limits.timeoutSeconds(for: ["slow"]), 5)
        XCTAssertEqual(limits.timeoutSeconds(for: ["clock", "slow"]), 30)
        XCTAssertEqual(try CallLimits(workers: 1, environment: [:], toolsets: [:]).lane(.toolset("x")).maxRunning, 1)
        let fromEnvironment = try CallLimits(workers: 4, environment: ["TOOLHOST_TOOLSET_CONCURRENCY": "1", "TOOLHOST_TOOLSET_QUEUE": "0",
                                                                       "TOOLHOST_CALL_TIMEOUT": "7"], toolsets: [:])
        XCTAssertEqual(fromEnvironment.lane(.toolset("x")), LaneLimits(maxRunning: 1, maxQueued: 0))
        XCTAssertEqual(fromEnvironment.timeoutSeconds(for: ["x"]), 7)
    }

    func testInvalidValuesAreNamed() {
        XCTAssertThrowsError(try CallLimits(workers: 4, environment: ["TOOLHOST_CALL_TIMEOUT": "1.5"], toolsets: [:])) {
            XCTAssertEqual("\($0)", "TOOLHOST_CALL_TIMEOUT must be an integer from 1 to 86400, not 1.5")
        }
        XCTAssertThrowsError(try ToolsetCallSettings.parseSection(try JSONParser.parse(Array(#"{"a": {"max_queued_calls": -1}}"#.utf8)))) {
            XCTAssertEqual("\($0)", "toolsets.a.max_queued_calls must be an integer from 0 to 100000")
        }
        XCTAssertThrowsError(try ToolsetCallSettings.parseSection(try JSONParser.parse(Array(#"{"a": 3}"#.utf8)))) {
            XCTAssertEqual("\($0)", "toolsets.a must be an object with any of call_timeout_seconds, max_concurrent_calls, max_queued_calls")
        }
    }
}
