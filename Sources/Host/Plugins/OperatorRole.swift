/// The role of an operator (header section 7a): viewer < admin < owner. A command states the
/// lowest role that may run it; the CLI's operator is the deployer and always has `owner`, so the
/// check matters once a web console lets other people in, and is written (and tested) now so the
/// console inherits a rule rather than inventing one.
enum OperatorRole: String, CaseIterable, Comparable, Sendable {
    case viewer, admin, owner

    /// What a command requires when its registration names no role: changing things is an
    /// administrator's business unless the plugin says otherwise.
    static let defaultRequired: OperatorRole = .admin

    /// The deployer running `toolhost` on the host.
    static let commandLine: OperatorRole = .owner

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .admin: 1
        case .owner: 2
        }
    }

    static func < (lhs: OperatorRole, rhs: OperatorRole) -> Bool { lhs.rank < rhs.rank }

    /// True when an operator of this role may run a command that requires `required`.
    func satisfies(_ required: OperatorRole) -> Bool { self >= required }
}

/// Where an operator acts from (th_operator_context.channel).
enum OperatorChannel: String, Sendable {
    case cli, console
}
