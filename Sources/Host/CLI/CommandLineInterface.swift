import Foundation

/// `toolhost <command> …`. Results go to stdout (so `TOKEN=$(toolhost token create …)` works);
/// everything meant for a person goes to stderr. Exit codes: 0 ok, 1 failed, 2 usage error.
enum CommandLineInterface {
    static let usage = """
    Toolhost — a self-hosted MCP server host.

    Usage:
      toolhost serve [--host 127.0.0.1] [--port 8787] [--public-url URL] [--data DIR] [--plugins DIR] [--no-demo]
      toolhost stdio --tenant T [--toolset S] [--data DIR] [--plugins DIR]      (token in TOOLHOST_TOKEN)
      toolhost tenant create NAME [--plan P] [--data DIR]
      toolhost tenant list [--json] | tenant show NAME [--json]
      toolhost tenant set-plan NAME PLAN [--trial-until YYYY-MM-DD]
      toolhost tenant enable|disable NAME TOOLSET…
      toolhost token create --tenant T --name N --toolsets a,b[:read] [--expires YYYY-MM-DD|RFC3339]
                            [--read-only] [--tools x,y] [--restrict JSON]
      toolhost token list --tenant T [--json]
      toolhost token revoke ID | token rotate ID
      toolhost user create --tenant T --email E [--role owner|member]        (password on stdin, one line)
      toolhost connections --tenant T [--all] [--json] | connections revoke ID   (tokens and OAuth grants)
      toolhost audit --tenant T [--token ID] [--since 2h|DATE] [--outcome denied] [--limit N] [--json]
      toolhost plugins [--json] [--plugins DIR]
      toolhost knowledge list --tenant T [--visibility draft|live|hidden] [--source external|manual] [--json]
      toolhost knowledge show|promote|hide|delete --tenant T ID | knowledge add --tenant T --title … --content …
      toolhost GROUP COMMAND --tenant T …        (operator commands plugins register; `toolhost GROUP help`)
      toolhost version

    Every command accepts --data DIR (env TOOLHOST_DATA, default ./var) and --plugins DIR
    (env TOOLHOST_PLUGINS, default: next to the toolhost binary).
    """

    static func run(_ arguments: [String]) -> Int32 {
        var words = arguments.dropFirst()
        guard let command = words.popFirst() else {
            printError(usage)
            return 2
        }
        // Commands that are not the daemon keep the log quiet; their output is the point.
        if command != "serve" && ProcessInfo.processInfo.environment["TOOLHOST_LOG_LEVEL"] == nil {
            Log.minimumLevel = .warning
        }
        do {
            switch command {
            case "serve": return try ServeCommand.run(words)
            case "stdio": return try StdioCommand.run(words)
            case "tenant": return try TenantCommands.run(words)
            case "token": return try TokenCommands.run(words)
            case "plugins": return try PluginsCommand.run(words)
            case "audit": return try AuditCommand.run(words)
            case "user": return try UserCommands.run(words)
            case "connections": return try ConnectionsCommand.run(words)
            case "version", "--version": print("toolhost \(ServerIdentity.version)"); return 0
            case "help", "--help", "-h": print(usage); return 0
            default:
                if let status = try OperatorCommand.run(command, words) { return status }  // plugin operator commands (ABI 1.1)
                printError("toolhost: unknown command \"\(command)\"\n\n\(usage)")
                return 2
            }
        } catch let error as Arguments.UsageError {
            printError("toolhost \(command): \(error.description)")
            return 2
        } catch {
            printError("toolhost \(command): \(error)")
            return 1
        }
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

/// Options every command shares.
let commonValuedOptions: Set<String> = ["data", "plugins"]

func makeRuntime(_ arguments: Arguments, withEvents: Bool = false) throws -> Runtime {
    try Runtime(settings: Settings(data: arguments.value("data"), plugins: arguments.value("plugins")), withEvents: withEvents)
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
