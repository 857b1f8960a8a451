import JSON

extension PluginCommandLine {
    /// What the operator typed after the group word, split into what the host and the command get.
    struct Invocation {
        let group: String
        var host: [String: String] = [:]
        var hostFlags: Set<String> = []
        var wantsHelp = false
        /// The 1.1 reading: words that are not options, and every other `--name [value]`.
        var positional: [String] = []
        var options = JSONObject()
        /// The words the command gets, as typed, without the host's options, help flags and the
        /// command name: a 1.2 command reads them against its input schema, which knows which
        /// options are flags (the 1.1 reading has to guess).
        var commandWords: [String] = []

        var settings: Settings { Settings(data: host["data"], plugins: host["plugins"]) }
        var json: Bool { hostFlags.contains("json") }

        /// `--name=value`, `--name value`, or `--name` alone (true when the next word is another option or absent).
        init(group: String, _ words: ArraySlice<String>) throws {
            self.group = group
            var remaining = words
            var sawName = false
            while let word = remaining.popFirst() {
                if HelpFlag.matches(word) {
                    wantsHelp = true
                    continue
                }
                guard let (name, value) = Arguments.option(word) else {
                    // The first operand is the command name; it is not one of the command's words.
                    if sawName { commandWords.append(word) }
                    sawName = true
                    positional.append(word)
                    continue
                }
                if let option = PluginCommandLine.hostOptions.first(where: { $0.name == name }) {
                    try take(option, value: value, from: &remaining)
                    continue
                }
                commandWords.append(word)
                if let value {
                    options[name] = .string(value)
                } else if let next = remaining.first, !next.hasPrefix("--") {
                    options[name] = .string(next)
                    remaining.removeFirst()
                    commandWords.append(next)
                } else {
                    options[name] = .bool(true)
                }
            }
        }

        private mutating func take(_ option: OptionSpec, value: String?, from remaining: inout ArraySlice<String>) throws {
            if let given = try Arguments.value(of: option, inline: value, from: &remaining) {
                host[option.name] = given
            } else {
                hostFlags.insert(option.name)
            }
        }
    }
}
