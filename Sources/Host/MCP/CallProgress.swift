import JSON
import Locking

/// Where a call's progress notifications travel; the transport provides it (HTTP: the call's SSE
/// stream, SSECallAnswer; stdio: lines on stdout). `send` returns false when the message could
/// not be queued (a closed stream, a slow reader): progress is lossy by nature.
protocol ProgressOutlet: Sendable {
    func send(_ notification: JSONValue) -> Bool
}

/// The progress of one tools/call whose client sent `_meta.progressToken` (header section 10).
/// Enforces what MCP requires of notifications/progress: values strictly increase, and none
/// follows the answer (`end`, called before the answer is sent, under the same lock as `report`,
/// so a report racing with the answer is either before it or dropped).
final class CallProgress: Sendable {
    enum Outcome {
        case sent
        /// Not sent, and not the plugin's fault: the call was answered, or the outlet is full/closed.
        case dropped
        /// Not sent: not finite, or not above the previous value.
        case invalid
    }

    private struct State {
        var last = -Double.infinity
        var ended = false
        var outlet: (any ProgressOutlet)?
    }

    let token: JSONValue
    private let state = Locked(State())

    init(token: JSONValue) {
        self.token = token
    }

    /// The progress token of a tools/call, if it has a usable one (a string or an integer).
    static func token(in body: JSONValue) -> JSONValue? {
        switch body["params"]?["_meta"]?["progressToken"] {
        case .string(let text)?: return .string(text)
        case .int(let number)?: return .int(number)
        default: return nil
        }
    }

    /// The transport attaches its outlet before the call can run; reports before that are dropped.
    func bind(_ outlet: any ProgressOutlet) {
        state.withLock { $0.outlet = outlet }
    }

    func report(progress: Double, total: Double?, message: String?) -> Outcome {
        guard progress.isFinite, total?.isFinite ?? true else { return .invalid }
        return state.withLock { state in
            guard !state.ended, let outlet = state.outlet else { return .dropped }
            guard progress > state.last else { return .invalid }
            state.last = progress
            return outlet.send(notification(progress: progress, total: total, message: message)) ? .sent : .dropped
        }
    }

    /// The answer is about to be sent: nothing more may follow it.
    func end() {
        state.withLock { $0.ended = true }
    }

    private func notification(progress: Double, total: Double?, message: String?) -> JSONValue {
        var params: JSONObject = ["progressToken": token, "progress": CallProgress.number(progress)]
        if let total { params["total"] = CallProgress.number(total) }
        if let message { params["message"] = .string(message) }
        return ["jsonrpc": "2.0", "method": "notifications/progress", "params": .object(params)]
    }

    /// Whole numbers go out without a fraction ("3", not "3.0").
    private static func number(_ value: Double) -> JSONValue {
        value.rounded() == value && abs(value) < 9.007199254740992e15 ? .int(Int64(value)) : .double(value)
    }
}
