/// Which library may use which name: the rule that decides, never the order files sort in.
///
/// Three kinds of names reach outside a plugin: its plugin name (which picks its databases,
/// `tenants/*/<plugin>.db`), its toolset names (URLs, token grants) and its operator command groups
/// (`toolhost <group> …`). host.db remembers who holds each one (`plugin_assignments`):
///
/// - a name held by someone is theirs; any other library claiming it is refused, whatever its file
///   is called, until the operator hands the name over (`toolhost plugins assign`);
/// - a name nobody holds goes to its only claimant, and is remembered from then on;
/// - a name nobody holds that two libraries claim goes to neither: both are refused, with a line
///   naming both and the command that settles it.
///
/// So renaming a file never changes who serves a toolset, and a library dropped into the folder can
/// never take over another's URL, grants or data.
enum NameKind: String, CaseIterable, Sendable {
    /// A plugin name; held by a library file name.
    case plugin
    /// A toolset name; held by a plugin name.
    case toolset
    /// An operator command group (ABI 1.1); held by a plugin name.
    case commandGroup = "command_group"

    /// The option of `toolhost plugins assign` that names one of these.
    var option: String {
        switch self {
        case .plugin: return "plugin-name"
        case .toolset: return "toolset"
        case .commandGroup: return "command-group"
        }
    }

    /// What holds a name of this kind, as the assign command's value option.
    var holderOption: String { self == .plugin ? "file" : "plugin" }

    var label: String {
        switch self {
        case .plugin: return "plugin name"
        case .toolset: return "toolset"
        case .commandGroup: return "operator command group"
        }
    }
}

/// One remembered holder of a name.
struct NameAssignment: Sendable, Equatable {
    let kind: NameKind
    let name: String
    /// A library file name (kind plugin) or a plugin name (toolset, command group).
    let holder: String
    let assignedMs: Int64
    /// Set by `toolhost plugins assign`, as opposed to remembered at first sight.
    let byOperator: Bool
}

/// The assignments read from host.db at start-up, and the decisions made against them.
struct NameAssignments: Sendable {
    private var held: [NameKind: [String: NameAssignment]] = [:]
    /// Names given to their only claimant during this load, for the caller to remember.
    private(set) var firstSeen: [NameAssignment] = []

    init(_ assignments: [NameAssignment] = []) {
        for assignment in assignments { held[assignment.kind, default: [:]][assignment.name] = assignment }
    }

    var all: [NameAssignment] {
        NameKind.allCases.flatMap { kind in (held[kind] ?? [:]).values.sorted { $0.name < $1.name } }
    }

    func holder(of name: String, kind: NameKind) -> NameAssignment? { held[kind]?[name] }

    /// Decides one name among the libraries that claim it. `claimants` are holder values (file
    /// names or plugin names); `describe` says who one is in a refusal ("plugin notes (libnotes.so)").
    /// Returns the refusal reason of every claimant that does not get the name.
    mutating func decide(_ kind: NameKind, _ name: String, claimants: [String], nowMs: Int64,
                         describe: (String) -> String = { $0 }) -> [String: String] {
        let command = { (holder: String) in "toolhost plugins assign --\(kind.option) \(name) --\(kind.holderOption) \(holder)" }
        if let holder = held[kind]?[name] {
            var refusals: [String: String] = [:]
            for claimant in claimants where claimant != holder.holder {
                refusals[claimant] = "\(kind.label) \"\(name)\" is assigned to \(describe(holder.holder)) (host.db); \(describe(claimant)) claims it too. "
                    + "If \(claimant) is meant to replace it: \(command(claimant))"
            }
            return refusals
        }
        let distinct = Array(Set(claimants)).sorted()
        if distinct.count == 1 {
            let assignment = NameAssignment(kind: kind, name: name, holder: distinct[0], assignedMs: nowMs, byOperator: false)
            held[kind, default: [:]][name] = assignment
            firstSeen.append(assignment)
            return [:]
        }
        let list = distinct.map(describe).joined(separator: " and ")
        let reason = "\(kind.label) \"\(name)\" is claimed by both \(list) and assigned to neither; none of them loads until the operator picks one, e.g. \(command(distinct[0]))"
        return Dictionary(uniqueKeysWithValues: distinct.map { ($0, reason) })
    }
}
