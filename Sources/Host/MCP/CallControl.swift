import Synchronization

/// What the host can tell one running tools/call from outside it (header section 10): that it
/// should stop, and where its progress goes. Made when the message is admitted, so a deadline or
/// a `notifications/cancelled` reaches the call whether it is still queued or already running;
/// the call's CallHandle reads it (is_cancelled, report_progress).
final class CallControl: Sendable {
    enum Reason: UInt8 {
        case none = 0
        /// The client sent notifications/cancelled, or (2026-07-28) closed the call's stream.
        case client
        /// The call's deadline passed; the client was told it timed out.
        case deadline
    }

    /// Where notifications/progress go; nil when the client asked for none or cannot receive them.
    let progress: CallProgress?
    /// 2026-07-28: a client that closes the call's SSE stream cancels it (the handshake era says
    /// a disconnect is not a cancellation).
    let cancelsWhenStreamCloses: Bool
    private let reason = Atomic<UInt8>(Reason.none.rawValue)
    /// Where this call is registered for notifications/cancelled; nil when it is not (a full registry).
    private let registration: InFlightCalls.Registration?

    init(progress: CallProgress?, registry: InFlightCalls?, key: InFlightCalls.Key?, cancelsWhenStreamCloses: Bool = false) {
        self.progress = progress
        self.cancelsWhenStreamCloses = cancelsWhenStreamCloses
        guard let registry, let key else {
            registration = nil
            return
        }
        let registration = InFlightCalls.Registration(registry: registry, key: key)
        self.registration = registration
        registry.insert(self, at: registration)
    }

    /// The first reason wins: a call cancelled by its client and later timed out stays "client".
    func cancel(_ why: Reason) {
        _ = reason.compareExchange(expected: Reason.none.rawValue, desired: why.rawValue, ordering: .relaxed)
    }

    var isCancelled: Bool { reason.load(ordering: .relaxed) != Reason.none.rawValue }
    var cancelledByClient: Bool { reason.load(ordering: .relaxed) == Reason.client.rawValue }

    /// The call is over (answered, refused, or expired before it started): a cancel for its id no
    /// longer finds it. Idempotent.
    func end() {
        guard let registration else { return }
        registration.registry.remove(self, at: registration)
    }
}
