import JSON

/// `toolhost connections --tenant T [--all] [--json]`: personal access tokens and OAuth grants in
/// one list, like a "Connected applications" page; `toolhost connections revoke ID` (or
/// `toolhost token revoke ID`) stops either on its next request.
enum ConnectionsCommand {
    static let listSpec = CommandSpec(
        "connections", summary: "List a tenant's personal access tokens and OAuth grants together, like a \"Connected applications\" page.",
        options: [
            .valued("tenant", "T", "the tenant whose connections to list", required: true),
            .flag("all", "include revoked and expired ones"),
            .json,
        ],
        note: "(tokens and OAuth grants)")
    static let revokeSpec = CommandSpec(
        "connections revoke", operands: "ID",
        summary: "Revoke a token or OAuth grant (the same as toolhost token revoke ID): its next request is refused.")
    static let forms = [listSpec, revokeSpec]

    static func run(_ words: ArraySlice<String>) throws -> Int32 {
        if words.first == "revoke" {
            let arguments = try Arguments(words.dropFirst(), for: revokeSpec)
            guard arguments.positionals.count == 1 else { throw Arguments.UsageError("usage: \(revokeSpec.synopsis)") }
            return try TokenCommands.revoke(arguments.positionals[0], runtime: try makeRuntime(arguments))
        }
        let arguments = try Arguments(words, for: listSpec)
        guard arguments.positionals.isEmpty else { throw Arguments.UsageError("unexpected argument \"\(arguments.positionals[0])\" (list: connections --tenant T; revoke: connections revoke ID)") }
        let tenant = try arguments.required("tenant")
        let runtime = try makeRuntime(arguments)
        let now = Clock.nowMilliseconds()
        let connections = try runtime.withStore { store in
            guard try store.tenant(named: tenant) != nil else { throw CommandError("no tenant named \"\(tenant)\"") }
            return try store.tokens(tenant: tenant, includingGrants: true)
        }.filter { arguments.has("all") || TokenCommands.status($0, now: now) == "active" }
        if arguments.has("json") {
            print(JSONValue.array(connections.map { token in
                guard case .object(var object) = TokenCommands.describe(token) else { return .null }
                object["kind"] = .string(token.kind.rawValue)
                object["client_id"] = token.clientID.map { .string($0) } ?? .null
                object["resource"] = token.resource.map { .string($0) } ?? .null
                return .object(object)
            }).jsonString)
            return 0
        }
        printTable(["ID", "NAME", "KIND", "TOOLSETS", "CREATED", "LAST USED", "EXPIRES", "STATUS"], connections.map { token in
            [token.publicID, token.name, token.kind == .oauth ? "oauth" : "token", token.toolsets.joined(separator: ","),
             formatTime(token.createdMs), formatTime(token.lastUsedMs), token.expiresMs.map { formatTime($0) } ?? "never",
             TokenCommands.status(token, now: now)]
        })
        if connections.isEmpty { printError("No \(arguments.has("all") ? "" : "active ")connections for tenant \(tenant).") }
        return 0
    }
}
