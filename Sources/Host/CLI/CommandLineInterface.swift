import Foundation

/// `toolhost <command> …`. Results go to stdout (so `TOKEN=$(toolhost token create …)` works);
/// everything meant for a person goes to stderr. Exit codes: 0 ok, 1 failed, 2 usage error.
enum CommandLineInterface {
    static func run(_ arguments: [String]) -> Int32 {
        var words = arguments.dropFirst()
        // Commands that are not the daemon keep the log quiet; their output is the point.
        if words.first != "serve" && ProcessInfo.processInfo.environment["TOOLHOST_LOG_LEVEL"] == nil {
            Log.minimumLevel = .warning
        }
        guard let command = words.popFirst() else {
            printError(TopLevelUsage.text(plugins: PluginCommandLine.probe(Settings(data: nil, plugins: nil))))
            return 2
        }
        do {
            guard let builtIn = BuiltInCommands.named(command) else { return try runPluginCommand(command, words) }
            // A group's help lists its actions, which the group's own parsing never sees.
            if let first = words.first, HelpFlag.matches(first) { throw HelpRequested(text: builtIn.help) }
            return try builtIn.run(words)
        } catch let help as HelpRequested {
            print(help.text)
            return 0
        } catch let error as Arguments.UsageError {
            printError("toolhost \(command): \(error.description)")
            return 2
        } catch {
            printError("toolhost \(command): \(error)")
            return 1
        }
    }

    /// Operator commands plugins register (ABI 1.1); a word no plugin registered is an unknown command.
    private static func runPluginCommand(_ group: String, _ words: ArraySlice<String>) throws -> Int32 {
        let invocation = try PluginCommandLine.Invocation(group: group, words)
        let registry = PluginCommandLine.probe(invocation.settings)
        guard !registry.operatorCommands(group: group).isEmpty else {
            printError("toolhost: unknown command \"\(group)\"\n\n\(TopLevelUsage.text(plugins: registry))")
            return 2
        }
        return try PluginCommandLine.run(invocation, registry: registry)
    }
}

/// A failure to report to the operator as is.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// The data and plugins folders given by the shared --data and --plugins options (or their defaults).
func settings(_ arguments: Arguments) -> Settings {
    Settings(data: arguments.value("data"), plugins: arguments.value("plugins"))
}

func makeRuntime(_ arguments: Arguments, withEvents: Bool = false) throws -> Runtime {
    try Runtime(settings: settings(arguments), withEvents: withEvents)
}

func formatTime(_ ms: Int64?) -> String { ms.map { Timestamp.iso8601(millisecondsSinceEpoch: $0) } ?? "-" }

/// Prints rows as aligned columns.
func printTable(_ header: [String], _ rows: [[String]]) {
    var widths = header.map(\.count)
    for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { index, cell in
            index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }
    print(line(header))
    for row in rows { print(line(row)) }
}
