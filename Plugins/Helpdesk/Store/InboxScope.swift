import SQLite
import ToolsetKit

/// What a caller may see: every inbox, or the inboxes its token is limited to (restriction key
/// `inboxes`, a list of slugs). Every query that reads or writes conversations, messages, drafts,
/// events or contacts takes one, so a limit is enforced in SQL rather than remembered per tool.
///
/// Contacts have no inbox. A limited token sees a contact that has a conversation in one of its
/// inboxes, or that this same token created (so it can create a contact and then start a
/// conversation with it). It sees no other contact, in any list, search, event or count.
struct InboxScope {
    /// nil: every inbox. Otherwise the ids of the token's inboxes that exist (possibly none).
    let inboxIDs: [Int64]?
    /// The token whose own contacts a limited scope includes.
    let tokenID: String?

    static let everything = InboxScope(inboxIDs: nil, tokenID: nil)

    /// The scope of a tool call. A malformed `inboxes` restriction allows nothing: failing closed.
    static func of(_ context: CallContext, in database: Database) throws -> InboxScope {
        guard let restriction = context.restrictions["inboxes"] else { return .everything }
        let slugs = restriction.arrayValue?.compactMap(\.stringValue) ?? []
        guard !slugs.isEmpty else { return InboxScope(inboxIDs: [], tokenID: context.tokenID) }
        let known = SQLTerm.isIn("slug", slugs.map { .text($0) })
        let ids = try database.query("SELECT id FROM inboxes WHERE \(known.sql) ORDER BY id", known.parameters) { $0.int64(0) }
        return InboxScope(inboxIDs: ids, tokenID: context.tokenID)
    }

    var isLimited: Bool { inboxIDs != nil }

    func allows(inboxID: Int64) -> Bool { inboxIDs?.contains(inboxID) ?? true }

    /// A WHERE term on a table's inbox column (`c.inbox_id`).
    func inboxTerm(_ column: String) -> SQLTerm {
        guard let inboxIDs else { return SQLTerm("1") }
        return SQLTerm.isIn(column, inboxIDs.map { .int($0) })
    }

    /// A WHERE term on a contacts row (`k.seq`, `k.created_by_token`).
    func contactTerm(_ alias: String) -> SQLTerm {
        guard isLimited else { return SQLTerm("1") }
        let throughConversation = inboxTerm("x.inbox_id")
        return SQLTerm("(EXISTS (SELECT 1 FROM conversations x WHERE x.contact_seq = \(alias).seq AND \(throughConversation.sql))"
                       + " OR \(alias).created_by_token = ?)", throughConversation.parameters + [.text(tokenID ?? "")])
    }
}
