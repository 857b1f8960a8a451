/// The words of the audit trail, shared by the code that writes events and the code that reads
/// them (`toolhost audit`), so a filter can never ask for an outcome no writer produces.

/// What happened: the host's own kinds, or an event a toolset reported.
enum AuditKind: Sendable, Equatable {
    /// A tools/call that passed admission (whatever its outcome).
    case toolCall
    /// A request an access layer refused.
    case accessDenied
    /// An operator command run through the host (CLI now, console later).
    case operatorCommand
    /// A background job (ABI 1.2) was enqueued, or ended one way or another.
    case job(JobEvent)
    /// A signed link (ABI 1.2, section 11) was made, used or revoked.
    case link(LinkEvent)
    /// What a toolset reported through `emit_event` or an operator command's `events`,
    /// e.g. "knowledge.promoted"; the plugin chooses the word.
    case toolsetEvent(String)

    init(stored: String) {
        switch stored {
        case "tool.call": self = .toolCall
        case "access.denied": self = .accessDenied
        case "operator.command": self = .operatorCommand
        default:
            if stored.hasPrefix("job."), let event = JobEvent(rawValue: String(stored.dropFirst(4))) {
                self = .job(event)
            } else if stored.hasPrefix("link."), let event = LinkEvent(rawValue: String(stored.dropFirst(5))) {
                self = .link(event)
            } else {
                self = .toolsetEvent(stored)
            }
        }
    }

    /// The text in the `kind` column.
    var stored: String {
        switch self {
        case .toolCall: return "tool.call"
        case .accessDenied: return "access.denied"
        case .operatorCommand: return "operator.command"
        case .job(let event): return "job." + event.rawValue
        case .link(let event): return "link." + event.rawValue
        case .toolsetEvent(let kind): return kind
        }
    }
}

/// What happened to a job: `job.enqueued`, `job.succeeded`, `job.failed`, `job.cancelled`.
enum JobEvent: String, Sendable, CaseIterable {
    case enqueued, succeeded, failed, cancelled
}

/// What happened to a signed link: `link.signed`, `link.used` (every request through it, served
/// or refused as used, expired or revoked), `link.revoked`.
enum LinkEvent: String, Sendable, CaseIterable {
    case signed, used, revoked
}

/// How it ended. Every value here is written by some path and accepted by `--outcome`.
enum AuditOutcome: String, Sendable, CaseIterable {
    /// Done (a tool result without isError, an operator command that succeeded, a toolset event).
    case ok
    /// The tool ran and answered with isError: true.
    case toolError = "tool_error"
    /// The toolset (or the host preparing the call) failed; details are in the server log.
    case error
    /// An access layer refused; the event's `layer` names which.
    case denied
    /// The arguments did not match the tool's input schema.
    case invalidArguments = "invalid_arguments"
    /// The call named no callable tool (unknown or ambiguous name).
    case invalid
    /// An operator command refused the operator's request (unknown id, bad option).
    case refused
}
