import CivilDate
import JSON
import ToolsetKit

/// The first characters of a text on one line, for tables.
func preview(_ text: String, _ length: Int = Limits.preview) -> String { oneLinePreview(text, length: length) }

/// How every card an agent added describes its author: the words people see, said once.
let addedByExternalTool = "added by an external tool"

struct Project {
    let id: Int64
    /// What tools and commands name the project by (`website-relaunch`); made from the name at creation.
    let slug: String
    let name: String
    let createdMs: Int64
}

struct Column {
    let id: Int64
    let projectID: Int64
    let name: String
    /// 1-based, left to right.
    let position: Int
    /// Active (not archived) cards.
    let cardCount: Int

    var json: JSONValue { ["name": .string(name), "position": .int(Int64(position)), "card_count": .int(Int64(cardCount))] }
}

/// A project with its columns, as list_projects and `kanban project list` show it.
struct Board {
    let project: Project
    let columns: [Column]

    var cardCount: Int { columns.reduce(0) { $0 + $1.cardCount } }

    var json: JSONValue {
        ["id": .string(project.slug), "name": .string(project.name), "columns": .array(columns.map(\.json)),
         "card_count": .int(Int64(cardCount)), "created_at": JSONValue.time(project.createdMs)]
    }
}

/// A due date as given: a day (`2026-12-24`, read as that day's start in UTC when compared) or an
/// instant (normalised to UTC).
struct Due: Equatable {
    let text: String
    let ms: Int64

    init?(_ value: String) {
        if let day = RFC3339.fullDate(value) {
            text = value
            ms = Int64(CivilDate.daysSinceEpoch(year: day.year, month: day.month, day: day.day)) * 86_400_000
        } else if let instant = RFC3339DateTime(value) {
            ms = instant.epochMilliseconds
            text = RFC3339.format(epochMilliseconds: ms)
        } else {
            return nil
        }
    }

    init(text: String, ms: Int64) {
        self.text = text
        self.ms = ms
    }
}

struct Card {
    let seq: Int64
    let id: String
    let projectSlug: String
    let columnID: Int64
    let columnName: String
    /// 1-based within the column; nil once archived (archived cards leave the column's order).
    let position: Int?
    var title: String
    var description: String?
    var assignee: String?
    var due: Due?
    var labels: [String]
    let tokenID: String
    let tokenName: String
    let createdMs: Int64
    let updatedMs: Int64
    let archivedMs: Int64?

    var isArchived: Bool { archivedMs != nil }

    var createdBy: JSONValue {
        ["kind": "external_tool", "label": .string(addedByExternalTool), "token_id": .string(tokenID), "token_name": .string(tokenName)]
    }

    /// What agents see: no archive fields (they never see archived cards); the description only when asked.
    func json(withDescription: Bool) -> JSONValue {
        var object: JSONObject = [
            "id": .string(id), "project": .string(projectSlug), "column": .string(columnName),
            "position": position.map { .int(Int64($0)) } ?? .null, "title": .string(title),
        ]
        if withDescription { object["description"] = JSONValue.nullable(description) }
        object["labels"] = .array(labels.map(JSONValue.string))
        object["assignee"] = JSONValue.nullable(assignee)
        object["due"] = JSONValue.nullable(due?.text)
        object["created_by"] = createdBy
        object["created_at"] = JSONValue.time(createdMs)
        object["updated_at"] = JSONValue.time(updatedMs)
        return .object(object)
    }

    /// What humans see: everything, archived cards included and flagged.
    var operatorJSON: JSONValue {
        guard case .object(var object) = json(withDescription: true) else { return .null }
        object["archived"] = .bool(isArchived)
        object["archived_at"] = JSONValue.time(archivedMs)
        return .object(object)
    }

    /// One line for text results.
    var line: String {
        "\(id)  [\(columnName)\(position.map { " #\($0)" } ?? "")]  \(title)\(labels.isEmpty ? "" : "  {\(labels.joined(separator: ", "))}")"
            + (assignee.map { "  @\($0)" } ?? "") + (due.map { "  due \($0.text)" } ?? "")
    }
}
