/// A built-in `toolhost` command: one row of the table that drives the dispatch, the usage text
/// and the names a plugin may not take for an operator command group (it could never be reached).
struct BuiltInCommand: Sendable {
    let name: String
    /// Other words that run it (`--version`); reserved like the name.
    let aliases: [String]
    let summary: String
    /// Every form it is typed in: one for a plain command, one per action for a group like `tenant`.
    let forms: [CommandSpec]
    let run: @Sendable (ArraySlice<String>) throws -> Int32

    init(_ name: String, aliases: [String] = [], summary: String, forms: [CommandSpec],
         run: @escaping @Sendable (ArraySlice<String>) throws -> Int32) {
        self.name = name
        self.aliases = aliases
        self.summary = summary
        self.forms = forms
        self.run = run
    }

    /// `toolhost NAME --help`: the full help of a plain command (with the usage of any actions it
    /// also has, like `connections revoke`); for a group, each action's usage and summary.
    var help: String {
        let actions = forms.filter { $0.words != name }
        guard let own = forms.first(where: { $0.words == name }) else {
            return "\(summary)\n\nUsage:\n\(Self.overview(actions))\n\nAdd --help to any of these for its options."
        }
        guard !actions.isEmpty else { return own.help }
        return own.help + "\n\nAlso:\n\(Self.overview(actions))\n\nAdd --help to it for its options."
    }

    private static func overview(_ forms: [CommandSpec]) -> String {
        forms.map { "  " + $0.wrappedSynopsis().replacingOccurrences(of: "\n", with: "\n  ") + "\n      " + $0.summary }
            .joined(separator: "\n")
    }
}

enum BuiltInCommands {
    static let all: [BuiltInCommand] = [
        BuiltInCommand("serve", summary: ServeCommand.spec.summary, forms: [ServeCommand.spec], run: ServeCommand.run),
        BuiltInCommand("stdio", summary: StdioCommand.spec.summary, forms: [StdioCommand.spec], run: StdioCommand.run),
        BuiltInCommand("tenant", summary: "Tenants: create them, set their plan, switch their toolsets.",
                       forms: TenantCommands.forms, run: TenantCommands.run),
        BuiltInCommand("token", summary: "Personal access tokens: create, list, revoke and rotate them.",
                       forms: TokenCommands.forms, run: TokenCommands.run),
        BuiltInCommand("user", summary: "Operator accounts that sign in on the OAuth consent screen.",
                       forms: UserCommands.forms, run: UserCommands.run),
        BuiltInCommand("connections", summary: "Personal access tokens and OAuth grants in one list, and revoking either.",
                       forms: ConnectionsCommand.forms, run: ConnectionsCommand.run),
        BuiltInCommand("audit", summary: AuditCommand.spec.summary, forms: [AuditCommand.spec], run: AuditCommand.run),
        BuiltInCommand("jobs", summary: "Background jobs and schedules of a tenant: list, show, cancel.",
                       forms: JobsCommand.forms, run: JobsCommand.run),
        BuiltInCommand("links", summary: "Signed links plugins made for their downloads: list and revoke them; rotate the signing key.",
                       forms: LinksCommand.forms, run: LinksCommand.run),
        BuiltInCommand("plugins", summary: "List the plugins the daemon would load (and why any file is refused); assign plugin, toolset and command-group names.",
                       forms: PluginsCommand.forms, run: PluginsCommand.run),
        BuiltInCommand("version", aliases: ["--version"], summary: VersionCommand.spec.summary, forms: [VersionCommand.spec],
                       run: VersionCommand.run),
        BuiltInCommand("help", aliases: ["--help", "-h"], summary: HelpCommand.spec.summary, forms: [HelpCommand.spec],
                       run: HelpCommand.run),
    ]

    static func named(_ word: String) -> BuiltInCommand? {
        all.first { $0.name == word || $0.aliases.contains(word) }
    }

    /// Every word the dispatch answers to; a plugin's operator group named like one would be shadowed.
    static let reservedNames: Set<String> = Set(all.flatMap { [$0.name] + $0.aliases })
}
