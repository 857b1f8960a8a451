import Synchronization

/// The race between a scheduled call and its deadline, decided exactly once.
///
///     queued ──start()──▶ running ──finish()──▶ answered          (the result is sent)
///        │                   │
///   deadlinePassed()    deadlinePassed()
///        ▼                   ▼
///     expiredBeforeStart   expiredWhileRunning                    (the timeout is sent;
///     (the job never runs)  (the job runs on; its result is dropped)
///
/// Every transition is one compare-and-exchange, so whichever of the worker and the timer thread
/// gets there first wins and the other learns it lost: the client gets exactly one answer, and a
/// call still queued at its deadline never starts.
///
/// @unchecked: `onTimeout` is a plain variable, touched only by the side that won the race (the
/// timer runs and drops it after winning an expiry; the worker drops it after winning `finish`), so
/// no two threads ever touch it at once. Dropping it early matters: the timer keeps the ticket
/// until the deadline, and the handler holds the connection's responder and the timeout answer.
final class CallTicket: DeadlineTarget, @unchecked Sendable {
    private enum Phase: UInt8 {
        case queued, running, answered, expiredBeforeStart, expiredWhileRunning
    }

    enum Expiry: Equatable, Sendable {
        /// The call had not started: nothing was done.
        case beforeStart
        /// The call is running and will finish in the background: its effects are unknown.
        case whileRunning
    }

    private let phase = Atomic<UInt8>(Phase.queued.rawValue)
    private var onTimeout: (@Sendable (Expiry) -> Void)?

    /// - Parameter onTimeout: sends the timeout answer; runs on the timer thread, so it must be quick.
    init(onTimeout: @escaping @Sendable (Expiry) -> Void) {
        self.onTimeout = onTimeout
    }

    /// A worker is about to run the call; false when its deadline already answered it.
    func start() -> Bool { move(from: .queued, to: .running) }

    /// The call finished; true when its result is the answer, false when the deadline came first.
    func finish() -> Bool {
        guard move(from: .running, to: .answered) else { return false }
        onTimeout = nil
        return true
    }

    var isSettled: Bool {
        let current = phase.load(ordering: .acquiring)
        return current != Phase.queued.rawValue && current != Phase.running.rawValue
    }

    /// The deadline passed: answers with the timeout unless the call was answered already.
    func deadlinePassed() {
        let expiry: Expiry
        if move(from: .queued, to: .expiredBeforeStart) {
            expiry = .beforeStart
        } else if move(from: .running, to: .expiredWhileRunning) {
            expiry = .whileRunning
        } else {
            // The first exchange fails only when the call had left `queued` already, and nothing
            // moves back to `running`: failing both means the result was sent.
            return
        }
        let handler = onTimeout
        onTimeout = nil
        handler?(expiry)
    }

    private func move(from old: Phase, to new: Phase) -> Bool {
        phase.compareExchange(expected: old.rawValue, desired: new.rawValue, ordering: .acquiringAndReleasing).exchanged
    }
}
