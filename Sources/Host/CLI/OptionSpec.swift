/// One `--name` a command accepts, declared once: the parser and the `--help` text both read it,
/// so what a command accepts and what its help says cannot drift apart.
struct OptionSpec: Sendable {
    let name: String
    /// What the value looks like in usage text ("T", "DIR", "YYYY-MM-DD"); nil for a boolean flag.
    let placeholder: String?
    let summary: String
    let isRequired: Bool

    static func valued(_ name: String, _ placeholder: String, _ summary: String, required: Bool = false) -> OptionSpec {
        OptionSpec(name: name, placeholder: placeholder, summary: summary, isRequired: required)
    }

    static func flag(_ name: String, _ summary: String) -> OptionSpec {
        OptionSpec(name: name, placeholder: nil, summary: summary, isRequired: false)
    }

    var takesValue: Bool { placeholder != nil }

    /// `--tenant T` for a required option, `[--plan P]` for an optional one.
    var synopsis: String {
        let form = "--\(name)" + (placeholder.map { " \($0)" } ?? "")
        return isRequired ? form : "[\(form)]"
    }

    /// The left column of an options table: `--tenant T`, `--json`.
    var label: String { "--\(name)" + (placeholder.map { " \($0)" } ?? "") }

    // Options every command shares. Usage lines leave them out (the top-level usage says so once);
    // each command's --help lists them.
    static let data = valued("data", "DIR", "data folder (env TOOLHOST_DATA, default ./var)")
    static let plugins = valued("plugins", "DIR", "plugins folder (env TOOLHOST_PLUGINS, default: next to the toolhost binary)")
    static let common = [data, plugins]
    static let json = flag("json", "print JSON instead of a table")
}

/// `--help` or `-h`: a request for a command's usage, answered on stdout with exit code 0.
enum HelpFlag {
    static func matches(_ word: String) -> Bool { word == "--help" || word == "-h" }
}

/// Thrown when the operator asked for help instead of running the command; `text` goes to stdout.
struct HelpRequested: Error {
    let text: String
}
