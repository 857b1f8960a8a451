import Synchronization

/// The race between a scheduled call and its deadline, decided exactly once.
///
///     queued ──start()──▶ running ──finish()──▶ answered          (the result is sent)
///        │                   │
///     expire()            expire()
///        ▼                   ▼
///     expiredBeforeStart   expiredWhileRunning                    (the timeout is sent;
///     (the job never runs)  (the job runs on; its result is dropped)
///
/// Every transition is one compare-and-exchange, so whichever of the worker and the timer thread
/// gets there first wins and the other learns it lost: the client gets exactly one answer, and a
/// call still queued at its deadline never starts.
final class CallTicket: Sendable {
    private enum Phase: UInt8 {
        case queued, running, answered, expiredBeforeStart, expiredWhileRunning
    }

    enum Expiry: Equatable {
        /// The call had not started: nothing was done.
        case beforeStart
        /// The call is running and will finish in the background: its effects are unknown.
        case whileRunning
    }

    private let phase = Atomic<UInt8>(Phase.queued.rawValue)

    /// A worker is about to run the call; false when its deadline already answered it.
    func start() -> Bool { move(from: .queued, to: .running) }

    /// The call finished; true when its result is the answer, false when the deadline came first.
    func finish() -> Bool { move(from: .running, to: .answered) }

    /// The deadline passed: how the call stood, or nil when it was already answered.
    func expire() -> Expiry? {
        if move(from: .queued, to: .expiredBeforeStart) { return .beforeStart }
        if move(from: .running, to: .expiredWhileRunning) { return .whileRunning }
        // The first exchange fails only when the call had left `queued` already, so between the
        // two nothing can move back to `running`: failing both means it was answered.
        return nil
    }

    private func move(from old: Phase, to new: Phase) -> Bool {
        phase.compareExchange(expected: old.rawValue, desired: new.rawValue, ordering: .acquiringAndReleasing).exchanged
    }
}
