/// A small, strict command-line parser: `--name value`, `--name=value`, boolean `--flag`s and
/// positionals, checked against the command's `CommandSpec`. Unknown options are errors, so a typo
/// never silently changes behaviour; so is a missing required one. `--help` or `-h` throws
/// `HelpRequested` with the spec's help.
struct Arguments {
    private(set) var positionals: [String] = []
    private var options: [String: String] = [:]
    private var flags: Set<String> = []

    struct UsageError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    init(_ arguments: ArraySlice<String>, for command: CommandSpec) throws {
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            // Checked in option position only: the value of `--name -h` stays a value.
            if HelpFlag.matches(argument) { throw HelpRequested(text: command.help) }
            guard let (name, inlineValue) = Arguments.option(argument) else {
                positionals.append(argument)
                continue
            }
            guard let option = command.option(named: name) else { throw Self.unknownOption(name, of: command) }
            if let value = try Arguments.value(of: option, inline: inlineValue, from: &remaining) {
                options[name] = value
            } else {
                flags.insert(name)
            }
        }
        // After the loop, so `--help` anywhere wins over a missing option.
        for option in command.acceptedOptions where option.isRequired {
            _ = try required(option.name)
        }
    }

    /// The value a valued option takes (inline after "=", else the next word); nil for a flag.
    /// Shared with the operator commands' parser, so both word their usage errors alike.
    static func value(of option: OptionSpec, inline: String?, from remaining: inout ArraySlice<String>) throws -> String? {
        guard option.takesValue else {
            guard inline == nil else { throw UsageError("--\(option.name) takes no value") }
            return nil
        }
        guard let value = inline ?? remaining.popFirst() else { throw UsageError("--\(option.name) needs a value") }
        return value
    }

    /// `--name=value` → ("name", "value"), `--name` → ("name", nil); nil for a positional word.
    /// Shared with the operator commands' parser (PluginCommandLine), which passes unknown options on.
    static func option(_ word: String) -> (name: String, inlineValue: String?)? {
        guard word.hasPrefix("--"), word.count > 2 else { return nil }
        let text = word.dropFirst(2)
        guard let equals = text.firstIndex(of: "=") else { return (String(text), nil) }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }

    private static func unknownOption(_ name: String, of command: CommandSpec) -> UsageError {
        let known = command.acceptedOptions.map { $0.takesValue ? "--\($0.name) VALUE" : "--\($0.name)" }.sorted().joined(separator: ", ")
        return UsageError("unknown option --\(name) (known: \(known.isEmpty ? "none" : known))")
    }

    func value(_ name: String) -> String? { options[name] }
    func has(_ flag: String) -> Bool { flags.contains(flag) }

    func required(_ name: String) throws -> String {
        guard let value = options[name], !value.isEmpty else { throw UsageError("--\(name) is required") }
        return value
    }
}
