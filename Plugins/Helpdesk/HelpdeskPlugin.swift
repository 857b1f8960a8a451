import ToolsetKit

// Helpdesk: an outside AI agent works a support inbox through a scoped, inbox-limited, revocable
// bot token (seed 001, "Deskwoot"). One database per tenant holds inboxes, contacts, conversations,
// messages, draft replies and the events feed.
//
// The surface is deliberately narrow: no tool deletes anything, changes settings, touches billing,
// sends broadcasts or manages webhooks. Inboxes, approvals, assignment and resolution belong to
// humans (`toolhost helpdesk …`, Operator/). Everything a token writes is attributed to the
// token's bot (its name and id), never to a person. docs/HELPDESK.md is the user's guide.

@_cdecl("toolhost_plugin_entry")
public func toolhostPluginEntry() -> UnsafeRawPointer { helpdeskPlugin.export() }

let helpdeskPlugin = PluginDefinition(
    name: "helpdesk",
    version: "1.0.0",
    description: "Support conversations worked by an AI agent through an inbox-limited bot token; humans approve its drafts",
    migrations: HelpdeskSchema.migrations,
    toolsets: [
        Toolset(
            name: "helpdesk",
            title: "Helpdesk",
            description: "Read and answer customer conversations as this token's bot: replies, private notes for the team, "
                + "draft replies a human approves, contacts, outbound conversations and an events feed. A token limited to "
                + "inboxes sees nothing of the others. Nothing here deletes records or changes settings.",
            minPlan: "enterprise",
            restrictionKeys: [
                "inboxes": [
                    "description": "Inbox slugs (e.g. [\"billing\"]): the token sees and writes conversations, messages, drafts and events of these inboxes only, and contacts only through them",
                    "type": "array",
                ],
            ],
            tools: helpdeskTools,
            scopes: HelpdeskScope.allCases.map(\.definition)
        ),
    ],
    operatorCommands: helpdeskOperatorCommands
)

/// Every tool, in the order tools/list shows them.
let helpdeskTools: [Tool] = [
    listConversationsTool, getConversationTool,
    replyToConversationTool, addPrivateNoteTool,
    createDraftReplyTool, listMyDraftsTool,
    listContactsTool, getContactTool, searchContactsTool,
    createContactTool, updateContactTool,
    startConversationTool,
    pollEventsTool,
]

/// The scopes a token can be granted (`--scopes helpdesk.drafts:write,…`): one table, so the names
/// tokens rely on are written once.
enum HelpdeskScope: String, CaseIterable {
    case conversationsRead = "conversations:read"
    case conversationsReply = "conversations:reply"
    case notesWrite = "notes:write"
    case draftsWrite = "drafts:write"
    case contactsRead = "contacts:read"
    case contactsWrite = "contacts:write"
    case outboundWrite = "outbound:write"
    case eventsRead = "events:read"

    var definition: ToolsetScope {
        switch self {
        case .conversationsRead:
            return ToolsetScope(name: rawValue, title: "Read conversations",
                                description: "List conversations and read their messages, private notes included",
                                tools: ["list_conversations", "get_conversation"])
        case .conversationsReply:
            return ToolsetScope(name: rawValue, title: "Reply to customers",
                                description: "Send replies to customers directly, as the bot, without a human's approval",
                                tools: ["reply_to_conversation"])
        case .notesWrite:
            return ToolsetScope(name: rawValue, title: "Private notes",
                                description: "Add private notes to conversations; only the team sees them",
                                tools: ["add_private_note"])
        case .draftsWrite:
            return ToolsetScope(name: rawValue, title: "Draft replies",
                                description: "Draft replies that a human teammate approves (and sends) or rejects",
                                tools: ["create_draft_reply", "list_my_drafts"])
        case .contactsRead:
            return ToolsetScope(name: rawValue, title: "Read contacts",
                                description: "List, read and search contacts", tools: ["list_contacts", "get_contact", "search_contacts"])
        case .contactsWrite:
            return ToolsetScope(name: rawValue, title: "Create and update contacts",
                                description: "Create contacts and update their details (never delete)", tools: ["create_contact", "update_contact"])
        case .outboundWrite:
            return ToolsetScope(name: rawValue, title: "Start conversations",
                                description: "Start new outbound conversations with a contact in an inbox",
                                tools: ["start_conversation"])
        case .eventsRead:
            return ToolsetScope(name: rawValue, title: "Events feed",
                                description: "Poll the feed of new messages, conversations, status changes, assignments, draft decisions and contact changes",
                                tools: ["poll_events"])
        }
    }
}
