import SQLite
import ToolsetKit

/// What list_cards and `kanban cards` filter on. All optional; they add up.
struct CardFilter {
    var projectID: Int64?
    var columnID: Int64?
    var label: String?
    /// A person's name, or "" for unassigned cards.
    var assignee: String?
    var dueBeforeMs: Int64?
    /// Words looked for in the title and description; every one must match.
    var query: String?
    /// Humans see archived cards (flagged); agents never do.
    var includeArchived = false

    /// What a cursor is bound to: the same filters, or it is refused.
    var fingerprint: [String] {
        [projectID.map(String.init) ?? "", columnID.map(String.init) ?? "", label?.lowercased() ?? "", assignee?.lowercased() ?? "\u{0}",
         dueBeforeMs.map(String.init) ?? "", query ?? "", includeArchived ? "a" : ""]
    }
}

/// The fields a card is written with.
struct CardDraft {
    var title: String
    var description: String?
    var labels: [String]
    var assignee: String?
    var due: Due?
}

extension KanbanStore {
    private static let cardSelect = """
        SELECT c.seq, c.id, p.slug, c.column_id, b.name, c.position, c.title, c.description, c.assignee, c.due_text, c.due_ms,
               c.created_by_token, c.created_by_name, c.created_ms, c.updated_ms, c.archived_ms,
               (SELECT group_concat(label, char(31)) FROM (SELECT label FROM card_labels l WHERE l.card_seq = c.seq ORDER BY label))
        FROM cards c JOIN projects p ON p.id = c.project_id JOIN board_columns b ON b.id = c.column_id
        """

    private static func card(_ row: Row) -> Card {
        let due = row.optionalString(9).map { Due(text: $0, ms: row.int64(10)) }
        let labels = row.optionalString(16).map { $0.split(separator: "\u{1F}").map(String.init) } ?? []
        return Card(seq: row.int64(0), id: row.string(1), projectSlug: row.string(2), columnID: row.int64(3), columnName: row.string(4),
                    position: row.isNull(5) ? nil : row.int(5), title: row.string(6), description: row.optionalString(7),
                    assignee: row.optionalString(8), due: due, labels: labels, tokenID: row.string(11), tokenName: row.string(12),
                    createdMs: row.int64(13), updatedMs: row.int64(14), archivedMs: row.optionalInt64(15))
    }

    static func noCard(_ id: String) -> String { "No card \(preview(id, 64))" }

    /// The card with this id; an archived one only when asked (agents never see them, so for them
    /// it reads exactly like a card that does not exist).
    func card(id: String, includeArchived: Bool) throws -> Card? {
        try database.queryOne("\(Self.cardSelect) WHERE c.id = ?\(includeArchived ? "" : " AND c.archived_ms IS NULL")", [.text(id)], Self.card)
    }

    func existingCard(_ id: String, includeArchived: Bool) throws -> Card {
        guard let card = try card(id: id, includeArchived: includeArchived) else { throw ToolError(Self.noCard(id)) }
        return card
    }

    /// In creation order (oldest first), after the card whose seq is `afterSeq`. Creation order,
    /// not board order: a human moving cards between two pages can then neither repeat nor skip one.
    func cards(_ filter: CardFilter, after afterSeq: Int64?, limit: Int) throws -> [Card] {
        var terms = [filterTerm(filter)]
        if let afterSeq { terms.append(SQLTerm("c.seq > ?", [.int(afterSeq)])) }
        let where_ = SQLTerm.all(terms)
        return try database.query("\(Self.cardSelect) WHERE \(where_.sql) ORDER BY c.seq LIMIT ?",
                                  where_.parameters + [.int(Int64(limit))], Self.card)
    }

    private func filterTerm(_ filter: CardFilter) -> SQLTerm {
        var terms: [SQLTerm] = []
        if !filter.includeArchived { terms.append(SQLTerm("c.archived_ms IS NULL")) }
        if let project = filter.projectID { terms.append(SQLTerm("c.project_id = ?", [.int(project)])) }
        if let column = filter.columnID { terms.append(SQLTerm("c.column_id = ?", [.int(column)])) }
        if let label = filter.label {
            terms.append(SQLTerm("EXISTS (SELECT 1 FROM card_labels l WHERE l.label = ? AND l.card_seq = c.seq)", [.text(label)]))
        }
        if let assignee = filter.assignee {
            terms.append(assignee.isEmpty ? SQLTerm("c.assignee IS NULL") : SQLTerm("c.assignee = ?", [.text(assignee)]))
        }
        if let before = filter.dueBeforeMs { terms.append(SQLTerm("c.due_ms < ?", [.int(before)])) }
        terms += SQLTerm.searching(filter.query, in: ["c.title", "c.description"])
        return SQLTerm.all(terms)
    }

    // MARK: Writing cards

    /// Adds a card at `position` (1-based; nil: the end of the column); the cards from there on move down one.
    func insertCard(_ draft: CardDraft, into column: Column, of project: Project, at position: Int?, tokenID: String, tokenName: String) throws -> Card {
        guard column.cardCount < Limits.cardsPerColumn else {
            throw ToolError("column \"\(column.name)\" already holds \(column.cardCount) cards, the limit; nothing was added")
        }
        let at = try position.map { value throws(ToolError) in try Rules.position(value, max: column.cardCount + 1) } ?? column.cardCount + 1
        try shift(column: column.id, from: at, by: 1)
        let id = randomID("card_")
        try database.run("""
            INSERT INTO cards (id, project_id, column_id, position, title, description, assignee, due_text, due_ms,
                               created_by_token, created_by_name, created_ms, updated_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(id), .int(project.id), .int(column.id), .int(Int64(at)), .text(draft.title), SQLValue(draft.description),
                  SQLValue(draft.assignee), SQLValue(draft.due?.text), SQLValue(draft.due?.ms), .text(tokenID), .text(tokenName),
                  .int(now), .int(now)])
        try setLabels(database.lastInsertRowID, draft.labels)
        return try existingCard(id, includeArchived: false)
    }

    /// Moves a card to `position` of `column` (nil: its end), closing the gap it leaves. An
    /// archived card changes column only: it has no place in any column's order.
    func move(_ card: Card, to column: Column, at position: Int?) throws -> Card {
        guard let from = card.position else {
            try database.run("UPDATE cards SET column_id = ?, updated_ms = ? WHERE seq = ?", [.int(column.id), .int(now), .int(card.seq)])
            return try existingCard(card.id, includeArchived: true)
        }
        let sameColumn = column.id == card.columnID
        let end = sameColumn ? column.cardCount : column.cardCount + 1
        let at = try position.map { value throws(ToolError) in try Rules.position(value, max: end) } ?? end
        try shift(column: card.columnID, from: from + 1, by: -1)
        try shift(column: column.id, from: at, by: 1, except: card.seq)
        try database.run("UPDATE cards SET column_id = ?, position = ?, updated_ms = ? WHERE seq = ?",
                         [.int(column.id), .int(Int64(at)), .int(now), .int(card.seq)])
        return try existingCard(card.id, includeArchived: true)
    }

    /// Writes a card's fields; returns the ones that changed.
    func edit(_ card: Card, to draft: CardDraft) throws -> [CardField] {
        var changed: [CardField] = []
        if draft.title != card.title { changed.append(.title) }
        if draft.description != card.description { changed.append(.description) }
        if draft.assignee != card.assignee { changed.append(.assignee) }
        if draft.due != card.due { changed.append(.due) }
        // Labels compare without case, as the filter matches them.
        if Set(draft.labels.map { $0.lowercased() }) != Set(card.labels.map { $0.lowercased() }) { changed.append(.labels) }
        guard !changed.isEmpty else { return [] }
        try database.run("UPDATE cards SET title = ?, description = ?, assignee = ?, due_text = ?, due_ms = ?, updated_ms = ? WHERE seq = ?",
                         [.text(draft.title), SQLValue(draft.description), SQLValue(draft.assignee), SQLValue(draft.due?.text),
                          SQLValue(draft.due?.ms), .int(now), .int(card.seq)])
        if changed.contains(.labels) {
            try database.run("DELETE FROM card_labels WHERE card_seq = ?", [.int(card.seq)])
            try setLabels(card.seq, draft.labels)
        }
        return changed
    }

    /// Takes a card off the board: agents stop seeing it, the cards below it move up one.
    func archive(_ card: Card) throws {
        guard let position = card.position else { return }
        try database.run("UPDATE cards SET archived_ms = ?, position = NULL, updated_ms = ? WHERE seq = ?", [.int(now), .int(now), .int(card.seq)])
        try shift(column: card.columnID, from: position + 1, by: -1)
    }

    private func setLabels(_ seq: Int64, _ labels: [String]) throws {
        for label in labels {
            try database.run("INSERT OR IGNORE INTO card_labels (label, card_seq) VALUES (?, ?)", [.text(label), .int(seq)])
        }
    }

    /// Moves the active cards of a column at `from` and below by `delta` places.
    private func shift(column: Int64, from: Int, by delta: Int, except seq: Int64 = 0) throws {
        try database.run("UPDATE cards SET position = position + ? WHERE column_id = ? AND position >= ? AND seq != ?",
                         [.int(Int64(delta)), .int(column), .int(Int64(from)), .int(seq)])
    }
}
