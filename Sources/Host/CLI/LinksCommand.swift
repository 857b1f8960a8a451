import Foundation
import Glibc
import JSON

/// `toolhost links list|revoke|rotate-key`: the signed links plugins made (ABI 1.2, header
/// section 11) and the keys that sign them.
enum LinksCommand {
    static let listSpec = CommandSpec(
        "links list", summary: "List a tenant's signed links, newest first: plugin, path, expiry, single use, used, revoked, who made it.",
        options: [
            .valued("tenant", "T", "the tenant whose links to list", required: true),
            .valued("limit", "N", "at most N links (default 100)"),
            .json,
        ])
    static let revokeSpec = CommandSpec(
        "links revoke", operands: "ID", summary: "Revoke a link: from now on it answers 410 Gone.",
        options: [.valued("tenant", "T", "the tenant the link belongs to", required: true)])
    static let rotateSpec = CommandSpec(
        "links rotate-key",
        summary: "Make a new key for signing links. Links signed with older keys stay valid until they expire, unless --retire.",
        options: [.flag("retire", "retire every older key at once: all links they signed answer 404 from now on")])
    static let forms = [listSpec, revokeSpec, rotateSpec]

    static func run(_ words: ArraySlice<String>) throws -> Int32 {
        var words = words
        guard let action = words.popFirst() else { throw Arguments.UsageError("links needs an action: \(CommandSpec.actions(forms))") }
        switch action {
        case "list":
            return try list(try Arguments(words, for: listSpec))
        case "revoke":
            let arguments = try Arguments(words, for: revokeSpec)
            guard arguments.positionals.count == 1 else { throw Arguments.UsageError("usage: \(revokeSpec.synopsis)") }
            return try revoke(arguments.positionals[0], arguments)
        case "rotate-key":
            return try rotate(try Arguments(words, for: rotateSpec))
        default:
            throw Arguments.UsageError("unknown links action \"\(action)\" (\(CommandSpec.actions(forms)))")
        }
    }

    private static func store(_ runtime: Runtime) throws -> LinkStore {
        guard let store = runtime.links.store else { throw CommandError("cannot open the link store (see the log line above)") }
        return store
    }

    private static func tenant(_ arguments: Arguments, _ runtime: Runtime) throws -> String {
        let tenant = try arguments.required("tenant")
        guard try runtime.withStore({ try $0.tenant(named: tenant) }) != nil else { throw CommandError("no tenant named \"\(tenant)\"") }
        return tenant
    }

    private static func list(_ arguments: Arguments) throws -> Int32 {
        let limit = try arguments.value("limit").map { text in
            guard let value = Int(text), value > 0 else { throw Arguments.UsageError("--limit must be a positive integer, not \"\(text)\"") }
            return value
        } ?? 100
        let runtime = try makeRuntime(arguments)
        let tenant = try tenant(arguments, runtime)
        let links = try store(runtime).list(tenant: tenant, limit: limit)
        if arguments.has("json") {
            print(JSONValue.array(links.map(describe)).jsonString)
            return 0
        }
        printTable(["ID", "PLUGIN", "PATH", "EXPIRES", "SINGLE USE", "USED", "REVOKED", "CREATED BY"], links.map { link in
            [link.id, link.plugin, link.path, formatTime(link.expiresAt * 1000), link.singleUse ? "yes" : "no", formatTime(link.usedMs),
             formatTime(link.revokedMs), link.createdBy]
        })
        if links.isEmpty { printError("No links for tenant \(tenant).") }
        return 0
    }

    private static func revoke(_ id: String, _ arguments: Arguments) throws -> Int32 {
        let runtime = try makeRuntime(arguments, withEvents: true)
        defer { runtime.close() }
        let tenant = try tenant(arguments, runtime)
        let store = try store(runtime)
        guard try store.revoke(id: id, tenant: tenant), let link = try store.find(id: id) else { throw CommandError("no link \(id) for tenant \(tenant)") }
        runtime.events?.recordLink(.revoked, link, requestID: nil, details: ["link_id": .string(id), "revoked_by": .string(operatorName())])
        printError("Revoked \(id); it answers 410 Gone from now on.")
        return 0
    }

    private static func rotate(_ arguments: Arguments) throws -> Int32 {
        let runtime = try makeRuntime(arguments)
        let (key, retired) = try store(runtime).rotateKey(retireOthers: arguments.has("retire"))
        printError("New link key \(key.id) signs every link from now on."
                   + (arguments.has("retire") ? " Retired \(retired) older key(s): their links answer 404." : " Older keys still verify the links they signed."))
        return 0
    }

    /// "cli:<user>", as operator commands name the CLI's operator.
    private static func operatorName() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return "cli:" + String(cString: name) }
        return "cli:" + (ProcessInfo.processInfo.environment["USER"] ?? "uid\(geteuid())")
    }

    static func describe(_ link: LinkRecord) -> JSONValue {
        func time(_ ms: Int64?) -> JSONValue { ms.map { .string(formatTime($0)) } ?? .null }
        return [
            "id": .string(link.id), "tenant": .string(link.tenant), "plugin": .string(link.plugin), "path": .string(link.path),
            "claims": (try? JSONParser.parse(link.claims)) ?? .string(link.claims), "key_id": .string(link.keyID),
            "expires": time(link.expiresAt * 1000), "single_use": .bool(link.singleUse), "used": time(link.usedMs),
            "revoked": time(link.revokedMs), "created_by": .string(link.createdBy), "created": time(link.createdMs),
        ]
    }
}
