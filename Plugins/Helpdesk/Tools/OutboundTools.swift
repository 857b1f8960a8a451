import JSON
import ToolsetKit

// outbound:write — start_conversation. The first message goes out as the bot, so the new
// conversation is open and answered (nothing waits on the team).

let startConversationTool = Tool(
    name: "start_conversation",
    title: "Start an outbound conversation",
    description: "Start a new conversation with a contact in an inbox and send its first message as this token's bot. Name the "
        + "contact by contact_id, or by email (and optionally name): a contact with that email is used if the workspace has one, "
        + "otherwise one is created. The inbox must be one this token may use.",
    input: .object(properties: [
        "inbox": .string(description: "Inbox slug, e.g. \"billing\"", minLength: 1, maxLength: 40),
        "contact_id": Schemas.contactID,
        "email": .string(description: "The customer's email, when you have no contact_id", maxLength: Limits.email),
        "name": .string(description: "The customer's name, for a contact created from email", maxLength: Limits.name),
        "subject": .string(description: "Subject line", maxLength: Limits.subject),
        "content": Schemas.content,
    ], required: ["inbox", "content"]),
    output: .object(properties: ["conversation": Schemas.conversation, "message": Schemas.message], required: ["conversation", "message"]),
    annotations: [.notReadOnly, .notDestructive, .notIdempotent, .openWorld]
) { call in
    let helpdesk = try HelpdeskCall(call)
    let args = call.arguments
    let slug = try args.string("inbox")
    let contactID = try args.optionalString("contact_id")
    let email = try args.optionalString("email").map { text throws(ToolError) in try Rules.email(text) }
    let name = try TextRules.optional(try args.optionalString("name"), "name", max: Limits.name)
    let subject = try TextRules.optional(try args.optionalString("subject"), "subject", max: Limits.subject)
    let content = try helpdesk.text("content", max: Limits.content)
    guard (contactID == nil) != (email == nil) else { throw ToolError("Give exactly one of contact_id or email") }
    let store = helpdesk.store
    let (conversation, message) = try helpdesk.write {
        let inbox = try store.visibleInbox(slug: slug, scope: helpdesk.scope)
        let contact: Contact
        if let contactID {
            contact = try store.visibleContact(id: contactID, scope: helpdesk.scope)
        } else if let email, let existing = try store.contact(email: email) {
            contact = existing
        } else {
            contact = try store.insertContact(name: name, email: email, phone: nil, attributes: JSONObject(), createdByToken: helpdesk.bot.id,
                                              by: helpdesk.bot, settings: helpdesk.settings)
        }
        let created = try store.createConversation(inbox: inbox, contact: contact, subject: subject, status: .open, by: helpdesk.bot,
                                                   settings: helpdesk.settings)
        let message = try store.insertMessage(into: created, kind: .outgoing, author: helpdesk.bot, content: content, settings: helpdesk.settings)
        return (try store.visibleConversation(id: created.id, scope: .everything), message)
    }
    return .structured(["conversation": try conversationsJSON([conversation], store: store)[0], "message": message.json],
                       text: "Started \(conversation.id) with \(conversation.contact.displayName) in \(conversation.inboxSlug); sent \(message.id).")
}
