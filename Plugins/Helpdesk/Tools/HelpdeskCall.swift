import JSON
import ToolsetKit

/// What every helpdesk tool needs from its call: the store at the call's instant, what the token
/// may see, the deployer's settings and the bot the token acts as.
struct HelpdeskCall {
    let store: HelpdeskStore
    let scope: InboxScope
    let settings: HelpdeskSettings
    let bot: Actor
    let arguments: ToolArguments

    init(_ call: ToolCall) throws {
        let database = try call.database
        store = HelpdeskStore(database, now: call.nowMilliseconds)
        scope = try InboxScope.of(call.context, in: database)
        settings = HelpdeskSettings(call.configuration)
        bot = Actor.bot(call.context)
        arguments = call.arguments
    }

    /// Runs `body` in one write transaction: the change and its events land together or not at all.
    func write<T>(_ body: () throws -> T) throws -> T { try store.database.transaction(body) }

    // MARK: Arguments

    func limit(default value: Int, max: Int) throws(ToolError) -> Int {
        try arguments.pageLimit(default: value, max: max)
    }

    /// The cursor argument, opened for `list` with these filters; nil when none was given.
    func cursor(_ list: SealedCursor.List, filters: [String] = []) throws -> SealedCursor? {
        guard let text = try arguments.optionalString("cursor"), !text.isEmpty else { return nil }
        guard let cursor = SealedCursor.open(text, list: list, filters: filters, key: try CursorKey(store.database)) else {
            throw ToolError(PageCursor.refusal)
        }
        return cursor
    }

    /// next_cursor for a page that ended at `position` (null when there is no more).
    func nextCursor(_ list: SealedCursor.List, filters: [String] = [], position: Int64?, stamp: Int64 = 0) throws -> JSONValue {
        guard let position else { return .null }
        return .string(SealedCursor(list, filters: filters, position: position, stamp: stamp).sealed(with: try CursorKey(store.database)))
    }

    /// A required text: not blank, within `max`.
    func text(_ key: String, max: Int) throws(ToolError) -> String {
        try TextRules.required(try arguments.string(key), key, max: max)
    }
}

enum Rules {
    /// A lower-cased address with one @, something before it and a dotted domain after it.
    static func email(_ value: String) throws(ToolError) -> String {
        let email = value.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= Limits.email, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !email.contains(where: { $0.isWhitespace || $0 == "," }) else {
            throw ToolError("\"\(value)\" is not an email address")
        }
        return email
    }

    static func phone(_ value: String) throws(ToolError) -> String {
        let phone = value.trimmingCharacters(in: .whitespaces)
        guard phone.count <= Limits.phone, phone.contains(where: \.isNumber),
              phone.allSatisfy({ $0.isNumber || " +-().".contains($0) }) else {
            throw ToolError("\"\(value)\" is not a phone number (digits, spaces and + - ( ) . only)")
        }
        return phone
    }

    /// Custom attributes: at most 50 keys; string, number, boolean values of bounded size.
    static func attributes(_ object: JSONObject) throws(ToolError) -> JSONObject {
        guard object.members.count <= Limits.attributes else { throw ToolError("at most \(Limits.attributes) custom attributes") }
        for (key, value) in object.members {
            guard !key.isEmpty, key.count <= 64 else { throw ToolError("attribute names are 1–64 characters") }
            switch value {
            case .string(let text) where text.count <= Limits.attributeValue: continue
            case .bool, .int, .double, .null: continue
            default: throw ToolError("attribute \"\(key)\" must be a string (≤ \(Limits.attributeValue) characters), number, boolean or null")
            }
        }
        return object
    }

    /// An inbox slug: lower-case letters, digits and dashes, starting with a letter.
    static func slug(_ value: String) throws(ToolError) -> String {
        guard let first = value.first, first.isLetter, value.count <= 40,
              value.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }) else {
            throw ToolError("\"\(value)\" is not an inbox name: use 1–40 lower-case letters, digits and dashes, starting with a letter (e.g. billing)")
        }
        return value
    }
}
