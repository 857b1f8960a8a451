import JSON
import ToolsetKit

// contacts:read and contacts:write. A token limited to inboxes sees the contacts of its inboxes'
// conversations and the contacts it created itself (InboxScope). Email addresses are unique in the
// workspace; "already exists" reads the same whether or not this token can see that contact, so
// the only thing a limited token can learn is that an address is known, never whose it is.

private let contactList = Schema.object(properties: ["contacts": .array(of: Schemas.contact), "next_cursor": Schemas.nextCursor],
                                        required: ["contacts", "next_cursor"])

let listContactsTool = Tool(
    name: "list_contacts",
    title: "List contacts",
    description: "Contacts this token may see, newest first. Pass next_cursor back as cursor for more.",
    input: .object(properties: ["limit": Schemas.limit(default: Limits.pageDefault, max: Limits.pageMax), "cursor": Schemas.cursor]),
    output: contactList,
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    try contactPage(call, query: nil, list: .contacts)
}

let searchContactsTool = Tool(
    name: "search_contacts",
    title: "Search contacts",
    description: "Contacts whose name, email or phone contain every word of query (case-insensitive), newest first.",
    input: .object(properties: [
        "query": .string(description: "Words to look for", minLength: 1, maxLength: Limits.query),
        "limit": Schemas.limit(default: Limits.pageDefault, max: Limits.pageMax), "cursor": Schemas.cursor,
    ], required: ["query"]),
    output: contactList,
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let query = try TextRules.required(try call.arguments.string("query"), "query", max: Limits.query)
    return try contactPage(call, query: query, list: .contactSearch)
}

private func contactPage(_ call: ToolCall, query: String?, list: SealedCursor.List) throws -> ToolResult {
    let helpdesk = try HelpdeskCall(call)
    let limit = try helpdesk.limit(default: Limits.pageDefault, max: Limits.pageMax)
    let filters = [query ?? ""]
    let cursor = try helpdesk.cursor(list, filters: filters)
    let rows = try helpdesk.store.contacts(matching: query, scope: helpdesk.scope, before: cursor?.position, limit: limit + 1)
    let page = Array(rows.prefix(limit))
    let next = try helpdesk.nextCursor(list, filters: filters, position: rows.count > limit ? page.last?.seq : nil)
    let text = page.isEmpty ? "No contacts match." : page.map { "\($0.id)  \($0.displayName)\($0.email.map { "  <\($0)>" } ?? "")" }.joined(separator: "\n")
    return .structured(["contacts": .array(page.map(\.json)), "next_cursor": next], text: text)
}

let getContactTool = Tool(
    name: "get_contact",
    title: "Read a contact",
    description: "One contact with its custom attributes and the ids of its newest conversations this token may see (at most 20).",
    input: .object(properties: ["contact_id": Schemas.contactID], required: ["contact_id"]),
    output: Schemas.contact,
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let helpdesk = try HelpdeskCall(call)
    let contact = try helpdesk.store.visibleContact(id: try call.arguments.string("contact_id"), scope: helpdesk.scope)
    let conversations = try helpdesk.store.conversationIDs(of: contact, scope: helpdesk.scope, limit: 20)
    guard case .object(var object) = contact.json else { return .structured(contact.json) }
    object["conversation_ids"] = .array(conversations.map(JSONValue.string))
    return .structured(.object(object), text: "\(contact.id)  \(contact.displayName)  (\(conversations.count) conversations)")
}

private let contactFields: KeyValuePairs<String, Schema> = [
    "name": .string(description: "Full name", maxLength: Limits.name),
    "email": .string(description: "Email address (unique in the workspace)", maxLength: Limits.email),
    "phone": .string(description: "Phone number", maxLength: Limits.phone),
    "attributes": .object(description: "Custom attributes: string, number or boolean values", additionalProperties: true),
]

let createContactTool = Tool(
    name: "create_contact",
    title: "Create a contact",
    description: "Create a contact with at least a name, an email or a phone. An email already used by a contact of this workspace "
        + "is refused (search_contacts finds the ones you can see; start_conversation with email reaches the person either way).",
    input: .object(properties: contactFields),
    output: Schemas.contact,
    annotations: [.notReadOnly, .notDestructive, .notIdempotent, .closedWorld]
) { call in
    let helpdesk = try HelpdeskCall(call)
    let args = call.arguments
    let name = try TextRules.optional(try args.optionalString("name"), "name", max: Limits.name)
    let email = try args.optionalString("email").map { text throws(ToolError) in try Rules.email(text) }
    let phone = try args.optionalString("phone").map { text throws(ToolError) in try Rules.phone(text) }
    let attributes = try Rules.attributes(try args.optionalObject("attributes") ?? JSONObject())
    guard name != nil || email != nil || phone != nil else { throw ToolError("Give at least one of name, email or phone") }
    let contact = try helpdesk.write {
        if let email, try helpdesk.store.contact(email: email) != nil { throw ToolError(emailTaken(email)) }
        return try helpdesk.store.insertContact(name: name, email: email, phone: phone, attributes: attributes.withoutNulls,
                                                createdByToken: helpdesk.bot.id, by: helpdesk.bot, settings: helpdesk.settings)
    }
    return .structured(contact.json, text: "Created contact \(contact.id) \(contact.displayName).")
}

func emailTaken(_ email: String) -> String {
    "A contact with email \(email) already exists in this workspace; nothing was created."
}

let updateContactTool = Tool(
    name: "update_contact",
    title: "Update a contact",
    description: "Change a contact's name, email or phone (an empty string clears name or phone) and merge custom attributes "
        + "(an attribute set to null is removed). Contacts are never deleted.",
    input: .object(properties: [
        "contact_id": Schemas.contactID,
        "name": .string(description: "New full name (\"\" clears it)", maxLength: Limits.name),
        "email": .string(description: "New email address (unique in the workspace)", maxLength: Limits.email),
        "phone": .string(description: "New phone number (\"\" clears it)", maxLength: Limits.phone),
        "attributes": .object(description: "Attributes to set; null removes one", additionalProperties: true),
    ], required: ["contact_id"]),
    output: Schemas.contact.adding("changed", .array(of: .string(), description: "The fields that changed")),
    annotations: [.notReadOnly, .notDestructive, .idempotent, .closedWorld]
) { call in
    let helpdesk = try HelpdeskCall(call)
    let args = call.arguments
    let id = try args.string("contact_id")
    guard args.has("name") || args.has("email") || args.has("phone") || args.has("attributes") else {
        throw ToolError("Nothing to change: give at least one of name, email, phone, attributes")
    }
    let name = try TextRules.optional(try args.optionalString("name"), "name", max: Limits.name)
    let email = try args.optionalString("email").map { text throws(ToolError) in try Rules.email(text) }
    let phone = try args.optionalString("phone").flatMap { text throws(ToolError) in text.isEmpty ? nil : try Rules.phone(text) }
    let attributes = try args.optionalObject("attributes").map { object throws(ToolError) in try Rules.attributes(object) }
    let (contact, changed) = try helpdesk.write {
        let old = try helpdesk.store.visibleContact(id: id, scope: helpdesk.scope)
        var updated = old
        if args.has("name") { updated.name = name }
        if let email, email != old.email {
            if try helpdesk.store.contact(email: email) != nil { throw ToolError(emailTaken(email)) }
            updated.email = email
        }
        if args.has("phone") { updated.phone = phone }
        if let attributes {
            for (key, value) in attributes.members {
                updated.attributes.members.removeAll { $0.key == key }
                if value != .null { updated.attributes[key] = value }
            }
        }
        guard updated.attributes.members.count <= Limits.attributes else { throw ToolError("at most \(Limits.attributes) custom attributes") }
        return (updated, try helpdesk.store.updateContact(old, to: updated, by: helpdesk.bot, settings: helpdesk.settings))
    }
    guard case .object(var object) = contact.json else { return .structured(contact.json) }
    object["changed"] = .array(changed.map(JSONValue.string))
    return .structured(.object(object), text: changed.isEmpty ? "Nothing changed for \(id)." : "Updated \(id): \(changed.joined(separator: ", ")).")
}

extension JSONObject {
    /// The members whose value is not null.
    var withoutNulls: JSONObject {
        var object = JSONObject()
        for (key, value) in members where value != .null { object[key] = value }
        return object
    }
}
