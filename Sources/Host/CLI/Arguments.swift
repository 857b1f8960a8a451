/// A small, strict command-line parser: `--name value`, `--name=value`, boolean `--flag`s and
/// positionals. Unknown options are errors, so a typo never silently changes behaviour.
struct Arguments {
    private(set) var positionals: [String] = []
    private var options: [String: String] = [:]
    private var flags: Set<String> = []

    struct UsageError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// - Parameters:
    ///   - valued: options that take a value (without the leading dashes).
    ///   - boolean: options that take none.
    init(_ arguments: ArraySlice<String>, valued: Set<String>, boolean: Set<String> = []) throws {
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            guard argument.hasPrefix("--"), argument.count > 2 else {
                positionals.append(argument)
                continue
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if boolean.contains(name) {
                guard inlineValue == nil else { throw UsageError("--\(name) takes no value") }
                flags.insert(name)
            } else if valued.contains(name) {
                guard let value = inlineValue ?? remaining.popFirst() else { throw UsageError("--\(name) needs a value") }
                options[name] = value
            } else {
                let known = (valued.map { "--\($0) VALUE" } + boolean.map { "--\($0)" }).sorted().joined(separator: ", ")
                throw UsageError("unknown option --\(name) (known: \(known.isEmpty ? "none" : known))")
            }
        }
    }

    func value(_ name: String) -> String? { options[name] }
    func has(_ flag: String) -> Bool { flags.contains(flag) }

    func required(_ name: String) throws -> String {
        guard let value = options[name], !value.isEmpty else { throw UsageError("--\(name) is required") }
        return value
    }
}
