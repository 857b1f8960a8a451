import JSON

enum TokenCommands {
    static let createSpec = CommandSpec(
        "token create",
        summary: "Create a personal access token and print it alone on stdout (TOKEN=$(toolhost token create …)); it is shown only this once.",
        options: [
            .valued("tenant", "T", "the tenant it belongs to", required: true),
            .valued("name", "N", "a name for it, e.g. the client or person it is for", required: true),
            .valued("toolsets", "a,b[:read]", "the toolsets it may use; toolset:read grants only that toolset's read-only tools"),
            .valued("scopes", "t.s,…[:read]", "scopes toolsets declare (toolset.scope): only their tools; --toolsets or --scopes is required"),
            .valued("expires", "YYYY-MM-DD|RFC3339", "when it stops working (a date: valid through that day, UTC); default never"),
            .flag("read-only", "only tools that declare readOnlyHint"),
            .valued("tools", "x,y", "only these tools"),
            .valued("restrict", "JSON", "resource restrictions the toolsets define, e.g. '{\"inboxes\": [\"billing\"]}'"),
        ])
    static let listSpec = CommandSpec(
        "token list", summary: "List a tenant's tokens: id, name, toolsets, access, last used, created, expires, status.",
        options: [.valued("tenant", "T", "the tenant whose tokens to list", required: true), .json])
    static let revokeSpec = CommandSpec(
        "token revoke", operands: "ID", summary: "Revoke a token or OAuth grant: its very next request is refused.")
    static let rotateSpec = CommandSpec(
        "token rotate", operands: "ID",
        summary: "Print a replacement token with the same grants and expiry, and revoke the old one in the same step.")
    static let forms = [createSpec, listSpec, revokeSpec, rotateSpec]

    static func run(_ words: ArraySlice<String>) throws -> Int32 {
        var words = words
        guard let action = words.popFirst() else { throw Arguments.UsageError("token needs an action: \(CommandSpec.actions(forms))") }
        switch action {
        case "create":
            let arguments = try Arguments(words, for: createSpec)
            guard arguments.positionals.isEmpty else { throw Arguments.UsageError("unexpected argument \"\(arguments.positionals[0])\"") }
            let runtime = try makeRuntime(arguments)
            var grants = Grants(toolsets: try grantList(arguments), readOnly: arguments.has("read-only"))
            grants.tools = arguments.value("tools").map(list)
            if let text = arguments.value("restrict") {
                guard let parsed = try? JSONParser.parse(text), case .object = parsed else {
                    throw Arguments.UsageError("--restrict must be a JSON object, e.g. '{\"inboxes\": [\"billing\"]}'")
                }
                grants.restrictions = parsed
            }
            let expires = try arguments.value("expires").map(parseExpiry)
            let issued = try create(tenant: try arguments.required("tenant"), name: try arguments.required("name"),
                                    grants: grants, expiresMs: expires, runtime: runtime)
            print(issued.token.text)  // alone on stdout: TOKEN=$(toolhost token create …)
            printError("Created token \(issued.record.publicID) \"\(issued.record.name)\" for tenant \(issued.record.tenant) (\(describeGrants(issued.record)); expires: \(expires.map { formatTime($0) } ?? "never")).")
            printError("It is shown only this once and stored as a hash: copy it now.")
            return 0
        case "rotate":
            let arguments = try Arguments(words, for: rotateSpec)
            guard arguments.positionals.count == 1 else { throw Arguments.UsageError("usage: \(rotateSpec.synopsis)") }
            return try rotate(arguments.positionals[0], runtime: try makeRuntime(arguments))
        case "list":
            let arguments = try Arguments(words, for: listSpec)
            return try list(tenant: try arguments.required("tenant"), json: arguments.has("json"), runtime: try makeRuntime(arguments))
        case "revoke":
            let arguments = try Arguments(words, for: revokeSpec)
            guard arguments.positionals.count == 1 else { throw Arguments.UsageError("usage: \(revokeSpec.synopsis)") }
            return try revoke(arguments.positionals[0], runtime: try makeRuntime(arguments))
        default:
            throw Arguments.UsageError("unknown token action \"\(action)\" (\(CommandSpec.actions(forms)))")
        }
    }

    static func parseExpiry(_ text: String) throws -> Int64 {
        guard let expires = Timestamp.parseExpiry(text) else {
            throw Arguments.UsageError("--expires must be a date (YYYY-MM-DD, valid through that day UTC) or an RFC 3339 time, not \"\(text)\"")
        }
        guard expires > Clock.nowMilliseconds() else { throw CommandError("--expires \(text) is in the past") }
        return expires
    }

    /// What a token may do, as given on the command line.
    struct Grants {
        var toolsets: [String]
        var readOnly = false
        var tools: [String]? = nil
        var restrictions: JSONValue = .object(JSONObject())
    }

    /// `--toolsets` and `--scopes` together, as stored: one list of grant strings. Each option
    /// takes only its own form, so a typo cannot turn a toolset into a scope or back.
    static func grantList(_ arguments: Arguments) throws -> [String] {
        let toolsets = arguments.value("toolsets").map(list) ?? []
        let scopes = arguments.value("scopes").map(list) ?? []
        guard arguments.value("toolsets") != nil || arguments.value("scopes") != nil else {
            throw Arguments.UsageError("--toolsets or --scopes is required")
        }
        if let dotted = toolsets.first(where: { ScopeGrant($0).scope != nil }) {
            throw CommandError("--toolsets takes toolset names; grant \"\(dotted)\" with --scopes")
        }
        if let bare = scopes.first(where: { ScopeGrant($0).scope == nil }) {
            throw CommandError("--scopes takes toolset.scope, not \"\(bare)\" (grant a whole toolset with --toolsets)")
        }
        return toolsets + scopes
    }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Cuts a token. Shared by the CLI and the daemon's first start.
    static func create(tenant: String, name: String, grants: Grants, expiresMs: Int64?, runtime: Runtime) throws -> (token: PersonalAccessToken, record: TokenRecord) {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 200 else {
            throw CommandError("--name must be 1–200 characters")
        }
        try validate(grants, registry: runtime.registry)
        let token = PersonalAccessToken.generate()
        let record = TokenRecord(id: token.id, tenant: tenant, name: name, secretHash: token.hash, toolsets: grants.toolsets,
                                 createdMs: Clock.nowMilliseconds(), expiresMs: expiresMs, revokedMs: nil, lastUsedMs: nil,
                                 readOnly: grants.readOnly, tools: grants.tools, restrictions: grants.restrictions)
        try runtime.withStore { store in
            guard let tenantRecord = try store.tenant(named: tenant) else { throw CommandError("no tenant named \"\(tenant)\"") }
            try store.insertToken(record)
            for toolset in record.toolsetNames where !tenantRecord.isEnabled(toolset) {
                printError("warning: toolset \(toolset) is disabled for tenant \(tenant); the token can use it once it is enabled")
            }
        }
        return (token, record)
    }

    /// Everything a token names must exist: toolsets, the scopes they declare, tools, restriction keys the granted toolsets declare.
    static func validate(_ grants: Grants, registry: PluginRegistry) throws {
        guard !grants.toolsets.isEmpty else { throw CommandError("--toolsets or --scopes must name at least one toolset or scope") }
        let installed = registry.toolsetNames
        var granted: [RegisteredToolset] = []
        for text in grants.toolsets {
            let grant = ScopeGrant(text)
            guard let toolset = registry.toolsetsByName[grant.toolset] else {
                throw CommandError("unknown toolset \"\(grant.toolset)\" (installed: \(installed.isEmpty ? "none" : installed.joined(separator: ", "))); add :read for a read-only grant")
            }
            // `helpdesk.conversations:read` names that scope if declared, else the read-only
            // form of `helpdesk.conversations` (ScopeGrant.declared).
            if grant.scope != nil, grant.declared(in: toolset) == nil {
                let declared = toolset.scopes.map(\.grant)
                throw CommandError("unknown scope \"\(text)\" (toolset \(toolset.name) declares: \(declared.isEmpty ? "none" : declared.joined(separator: ", ")))")
            }
            if !granted.contains(where: { $0 === toolset }) { granted.append(toolset) }
        }
        for tool in grants.tools ?? [] {
            let known = granted.contains { toolset in
                toolset.toolsByName[tool] != nil || (tool.hasPrefix(toolset.name + ".") && toolset.toolsByName[String(tool.dropFirst(toolset.name.count + 1))] != nil)
            }
            guard known else {
                let available = granted.flatMap { $0.tools.map(\.name) }.joined(separator: ", ")
                throw CommandError("--tools names \"\(tool)\", which none of the granted toolsets has (they have: \(available))")
            }
        }
        if grants.tools?.isEmpty == true { throw CommandError("--tools must name at least one tool") }
        for (key, value) in grants.restrictions.objectValue?.members ?? [] {
            guard let owner = granted.first(where: { $0.restrictionKeys[key] != nil }) else {
                let understood = granted.flatMap { $0.restrictionKeys.keys }
                throw CommandError("unknown restriction key \"\(key)\" (the granted toolsets understand: \(understood.isEmpty ? "none" : understood.joined(separator: ", ")))")
            }
            if let expected = owner.restrictionKeys[key]?["type"]?.stringValue, expected != value.typeName,
               !(expected == "number" && value.typeName == "integer") {
                throw CommandError("restriction \"\(key)\" must be of type \(expected) (toolset \(owner.name)), not \(value.typeName)")
            }
        }
    }

    static func describeGrants(_ token: TokenRecord) -> String {
        var parts: [String] = []
        if !token.wholeToolsetGrants.isEmpty { parts.append("toolsets: " + token.wholeToolsetGrants.joined(separator: ", ")) }
        if !token.declaredScopeGrants.isEmpty { parts.append("scopes: " + token.declaredScopeGrants.joined(separator: ", ")) }
        if token.readOnly { parts.append("read-only") }
        if let tools = token.tools { parts.append("tools: " + tools.joined(separator: ", ")) }
        if let restrictions = token.restrictions.objectValue, !restrictions.isEmpty { parts.append("restrictions: " + token.restrictions.jsonString) }
        return parts.joined(separator: "; ")
    }

    /// A new secret with the same grants and expiry; the old token is revoked in the same transaction.
    static func rotate(_ text: String, runtime: Runtime) throws -> Int32 {
        guard let id = PersonalAccessToken.normalizeID(text) else {
            throw CommandError("\"\(text)\" is not a token id (expected tok_ followed by 12 hex digits, as `token list` shows)")
        }
        let token = PersonalAccessToken.generate()
        let replacement = try runtime.withStore { store -> TokenRecord in
            guard let old = try store.token(id: id) else { throw CommandError("no token with id tok_\(id)") }
            guard old.revokedMs == nil else { throw CommandError("tok_\(id) is revoked; cut a new token instead") }
            guard old.kind == .personal else { throw CommandError("tok_\(id) is an OAuth grant (\(old.name)); its client refreshes it, or revoke it") }
            let replacement = TokenRecord(id: token.id, tenant: old.tenant, name: old.name, secretHash: token.hash, toolsets: old.toolsets,
                                          createdMs: Clock.nowMilliseconds(), expiresMs: old.expiresMs, revokedMs: nil, lastUsedMs: nil,
                                          readOnly: old.readOnly, tools: old.tools, restrictions: old.restrictions)
            try store.rotateToken(id: id, replacement: replacement)
            return replacement
        }
        print(token.text)
        printError("Rotated tok_\(id) → \(replacement.publicID) (\(describeGrants(replacement))). The old token is revoked; the new one is shown only this once.")
        return 0
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
        printTable(["ID", "NAME", "TOOLSETS", "ACCESS", "LAST USED", "CREATED", "EXPIRES", "STATUS"], tokens.map { token in
            [token.publicID, token.name, token.toolsets.joined(separator: ","), describeAccess(token), formatTime(token.lastUsedMs),
             formatTime(token.createdMs), token.expiresMs.map { formatTime($0) } ?? "never", status(token, now: now)]
        })
        return 0
    }

    /// "full", "read-only", plus named tools and restrictions, compactly for the table.
    static func describeAccess(_ token: TokenRecord) -> String {
        var parts = [token.readOnly ? "read-only" : "full"]
        if let tools = token.tools { parts.append("tools=" + tools.joined(separator: ",")) }
        if let restrictions = token.restrictions.objectValue, !restrictions.isEmpty { parts.append("restrict=" + token.restrictions.jsonString) }
        return parts.joined(separator: " ")
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
            "toolsets": .array(token.wholeToolsetGrants.map { .string($0) }),
            "scopes": .array(token.declaredScopeGrants.map { .string($0) }),
            "created": time(token.createdMs),
            "expires": time(token.expiresMs),
            "last_used": time(token.lastUsedMs),
            "revoked": .bool(token.revokedMs != nil),
            "read_only": .bool(token.readOnly),
            "tools": token.tools.map { .array($0.map { .string($0) }) } ?? .null,
            "restrictions": token.restrictions,
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
