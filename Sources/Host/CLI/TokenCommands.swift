import JSON

enum TokenCommands {
    static func run(_ words: ArraySlice<String>) throws -> Int32 {
        var words = words
        guard let action = words.popFirst() else { throw Arguments.UsageError("token needs an action: create, list, revoke") }
        switch action {
        case "create":
            let arguments = try Arguments(words, valued: commonValuedOptions.union(["tenant", "name", "toolsets", "expires"]))
            guard arguments.positionals.isEmpty else { throw Arguments.UsageError("unexpected argument \"\(arguments.positionals[0])\"") }
            let runtime = try makeRuntime(arguments)
            let toolsets = try arguments.required("toolsets").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let expires = try arguments.value("expires").map(parseExpiry)
            let issued = try create(tenant: try arguments.required("tenant"), name: try arguments.required("name"),
                                    toolsets: toolsets, expiresMs: expires, runtime: runtime)
            print(issued.token.text)  // alone on stdout: TOKEN=$(toolhost token create …)
            printError("Created token \(issued.record.publicID) \"\(issued.record.name)\" for tenant \(issued.record.tenant) (toolsets: \(toolsets.joined(separator: ", ")); expires: \(expires.map { formatTime($0) } ?? "never")).")
            printError("It is shown only this once and stored as a hash: copy it now.")
            return 0
        case "list":
            let arguments = try Arguments(words, valued: commonValuedOptions.union(["tenant"]), boolean: ["json"])
            return try list(tenant: try arguments.required("tenant"), json: arguments.has("json"), runtime: try makeRuntime(arguments))
        case "revoke":
            let arguments = try Arguments(words, valued: commonValuedOptions)
            guard arguments.positionals.count == 1 else { throw Arguments.UsageError("usage: toolhost token revoke ID") }
            return try revoke(arguments.positionals[0], runtime: try makeRuntime(arguments))
        default:
            throw Arguments.UsageError("unknown token action \"\(action)\" (create, list, revoke)")
        }
    }

    static func parseExpiry(_ text: String) throws -> Int64 {
        guard let expires = Timestamp.parseExpiry(text) else {
            throw Arguments.UsageError("--expires must be a date (YYYY-MM-DD, valid through that day UTC) or an RFC 3339 time, not \"\(text)\"")
        }
        guard expires > Clock.nowMilliseconds() else { throw CommandError("--expires \(text) is in the past") }
        return expires
    }

    /// Cuts a token. Shared by the CLI and the daemon's first start.
    static func create(tenant: String, name: String, toolsets: [String], expiresMs: Int64?, runtime: Runtime) throws -> (token: PersonalAccessToken, record: TokenRecord) {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 200 else {
            throw CommandError("--name must be 1–200 characters")
        }
        guard !toolsets.isEmpty else { throw CommandError("--toolsets must name at least one toolset") }
        let installed = runtime.registry.toolsetNames
        for toolset in toolsets where !installed.contains(toolset) {
            throw CommandError("unknown toolset \"\(toolset)\" (installed: \(installed.isEmpty ? "none" : installed.joined(separator: ", ")))")
        }
        let token = PersonalAccessToken.generate()
        let record = TokenRecord(id: token.id, tenant: tenant, name: name, secretHash: token.hash, toolsets: toolsets,
                                 createdMs: Clock.nowMilliseconds(), expiresMs: expiresMs, revokedMs: nil, lastUsedMs: nil)
        try runtime.withStore { store in
            guard let tenantRecord = try store.tenant(named: tenant) else { throw CommandError("no tenant named \"\(tenant)\"") }
            try store.insertToken(record)
            for toolset in toolsets where !tenantRecord.isEnabled(toolset) {
                printError("warning: toolset \(toolset) is disabled for tenant \(tenant); the token can use it once it is enabled")
            }
        }
        return (token, record)
    }

    static func list(tenant: String, json: Bool, runtime: Runtime) throws -> Int32 {
        let tokens = try runtime.withStore { store in
            guard try store.tenant(named: tenant) != nil else { throw CommandError("no tenant named \"\(tenant)\"") }
            return try store.tokens(tenant: tenant)
        }
        if json {
            print(JSONValue.array(tokens.map(describe)).jsonString)
            return 0
        }
        let now = Clock.nowMilliseconds()
        printTable(["ID", "NAME", "TOOLSETS", "LAST USED", "CREATED", "EXPIRES", "STATUS"], tokens.map { token in
            [token.publicID, token.name, token.toolsets.joined(separator: ","), formatTime(token.lastUsedMs),
             formatTime(token.createdMs), token.expiresMs.map { formatTime($0) } ?? "never", status(token, now: now)]
        })
        return 0
    }

    static func status(_ token: TokenRecord, now: Int64) -> String {
        if token.revokedMs != nil { return "revoked" }
        if let expires = token.expiresMs, now >= expires { return "expired" }
        return "active"
    }

    static func describe(_ token: TokenRecord) -> JSONValue {
        func time(_ ms: Int64?) -> JSONValue { ms.map { .string(Timestamp.iso8601(millisecondsSinceEpoch: $0)) } ?? .null }
        return [
            "id": .string(token.publicID),
            "name": .string(token.name),
            "tenant": .string(token.tenant),
            "toolsets": .array(token.toolsets.map { .string($0) }),
            "created": time(token.createdMs),
            "expires": time(token.expiresMs),
            "last_used": time(token.lastUsedMs),
            "revoked": .bool(token.revokedMs != nil),
            "status": .string(status(token, now: Clock.nowMilliseconds())),
        ]
    }

    static func revoke(_ text: String, runtime: Runtime) throws -> Int32 {
        guard let id = PersonalAccessToken.normalizeID(text) else {
            throw CommandError("\"\(text)\" is not a token id (expected tok_ followed by 12 hex digits, as `token list` shows)")
        }
        guard try runtime.withStore({ try $0.revokeToken(id: id) }) else { throw CommandError("no token with id tok_\(id)") }
        printError("Revoked tok_\(id); its next request is refused.")
        return 0
    }
}

import Foundation
