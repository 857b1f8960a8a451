/// One form of a command the operator types (`toolhost tenant create NAME [--plan P]`): its words,
/// its operands, what it does and the options it accepts. `Arguments` parses against it and the
/// usage and `--help` texts are rendered from it, so each option is declared exactly once.
struct CommandSpec: Sendable {
    /// The command words after `toolhost`, e.g. "tenant create".
    let words: String
    /// Positional operands as usage shows them, e.g. "NAME TOOLSET…"; empty when there are none.
    let operands: String
    let summary: String
    /// The options particular to this command.
    let options: [OptionSpec]
    /// Options shared by every command (--data, --plugins): accepted and listed in --help, left out
    /// of usage lines because the top-level usage states them once.
    let sharedOptions: [OptionSpec]
    /// A short remark shown after the usage line in the top-level usage, e.g. "(token in TOOLHOST_TOKEN)".
    let note: String?

    /// The last command word: the action of a group's form ("create" for "tenant create").
    var action: Substring { words.split(separator: " ").last ?? Substring(words) }

    /// "create, list, show" for a group's forms: said once, so an error can never list fewer actions than exist.
    static func actions(_ forms: [CommandSpec]) -> String { forms.map { String($0.action) }.joined(separator: ", ") }

    init(_ words: String, operands: String = "", summary: String, options: [OptionSpec] = [],
         sharedOptions: [OptionSpec] = OptionSpec.common, note: String? = nil) {
        self.words = words
        self.operands = operands
        self.summary = summary
        self.options = options
        self.sharedOptions = sharedOptions
        self.note = note
    }

    var acceptedOptions: [OptionSpec] { options + sharedOptions }

    func option(named name: String) -> OptionSpec? { acceptedOptions.first { $0.name == name } }

    /// `toolhost tenant create NAME [--plan P]`, on one line. The error messages for wrong operands
    /// quote it ("usage: …"), so it stays free of the shared options.
    var synopsis: String {
        (["toolhost", words, operands] + options.map(\.synopsis)).filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// `prefix` and the synopsis, broken before `width` columns with continuation lines aligned
    /// under the first option.
    func wrappedSynopsis(prefix: String = "", width: Int = 100) -> String {
        let head = prefix + (["toolhost", words, operands]).filter { !$0.isEmpty }.joined(separator: " ")
        let indent = String(repeating: " ", count: head.count + 1)
        var lines = [head]
        for part in options.map(\.synopsis) {
            if lines[lines.count - 1].count + 1 + part.count > width {
                lines.append(indent + part)
            } else {
                lines[lines.count - 1] += " " + part
            }
        }
        return lines.joined(separator: "\n")
    }

    /// What `toolhost WORDS --help` prints.
    var help: String {
        var text = wrappedSynopsis(prefix: "Usage: ") + "\n\n\(summary)\n"
        let rows = acceptedOptions.map { ($0.label, $0.summary + ($0.isRequired ? " (required)" : "")) }
            + [("-h, --help", "show this help")]
        text += "\nOptions:\n" + formatRows(rows)
        return text
    }
}

/// Two aligned columns, indented by two spaces.
func formatRows(_ rows: [(String, String)], indent: String = "  ") -> String {
    let width = rows.map(\.0.count).max() ?? 0
    return rows.map { left, right in
        indent + left.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + right
    }.joined(separator: "\n")
}
