/// `toolhost help [COMMAND…]`: the top-level usage, with the operator commands of the plugins that
/// load from --plugins; with a command, that command's --help.
enum HelpCommand {
    static let spec = CommandSpec("help", operands: "[COMMAND…]",
                                  summary: "Show the usage of toolhost, or of one command (the same as toolhost COMMAND --help).")

    static func run(_ words: ArraySlice<String>) throws -> Int32 {
        let arguments = try Arguments(words, for: spec)
        guard !arguments.positionals.isEmpty else {
            print(TopLevelUsage.text(plugins: PluginCommandLine.probe(settings(arguments))))
            return 0
        }
        let shared = spec.sharedOptions.flatMap { option in arguments.value(option.name).map { ["--\(option.name)", $0] } ?? [] }
        return CommandLineInterface.run(["toolhost"] + arguments.positionals + ["--help"] + shared)
    }
}
