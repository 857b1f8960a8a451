import ToolsetKit

// Output and input schemas the tools share, written once.

enum Schemas {
    static let column = Schema.object(properties: [
        "name": .string(), "position": .integer(description: "1 is the leftmost column", minimum: 1),
        "card_count": .integer(description: "Cards in the column", minimum: 0),
    ], required: ["name", "position", "card_count"])

    static let project = Schema.object(properties: [
        "id": .string(description: "The project's id, e.g. \"website-relaunch\": what `project` arguments take"),
        "name": .string(), "columns": .array(of: column, description: "Left to right"),
        "card_count": .integer(minimum: 0), "created_at": .string(format: "date-time"),
    ], required: ["id", "name", "columns", "card_count", "created_at"])

    static let createdBy = Schema.object(
        description: "Who added the card: for cards added through a token, \"\(addedByExternalTool)\" with the token's name and id",
        properties: ["kind": .string(enum: ["external_tool"]), "label": .string(), "token_id": .string(), "token_name": .string()],
        required: ["kind", "label", "token_id", "token_name"])

    private static let cardProperties: KeyValuePairs<String, Schema> = [
        "id": .string(description: "Card id (card_…)"), "project": .string(description: "Project id"), "column": .string(),
        "position": .integer(description: "1 is the top of the column", minimum: 1), "title": .string(),
        "description": Schema.string().orNull,
        "labels": .array(of: .string()), "assignee": Schema.string().orNull,
        "due": Schema.string(description: "A date (2026-12-24) or a UTC time, as given").orNull,
        "created_by": createdBy, "created_at": .string(format: "date-time"), "updated_at": .string(format: "date-time"),
    ]

    private static let summaryRequired = ["id", "project", "column", "position", "title", "labels", "assignee", "due", "created_by",
                                          "created_at", "updated_at"]

    /// A card in a list: no description (get_card has it).
    static let cardSummary = Schema.object(properties: cardProperties, required: summaryRequired)
    static let card = Schema.object(properties: cardProperties, required: summaryRequired + ["description"])

    static let nextCursor = Schema.string(description: "Pass as cursor for the next page; null at the end").orNull

    // Inputs

    static let projectName = Schema.string(description: "A project's id (e.g. \"website-relaunch\") or its name", minLength: 1,
                                           maxLength: Limits.projectName)
    static let columnName = Schema.string(description: "A column's name, e.g. \"To do\" (any case)", minLength: 1, maxLength: Limits.columnName)
    static let cardID = Schema.string(description: "A card id, e.g. \"card_0123456789abcdef\"", minLength: 1, maxLength: 64)
    static let cursor = Schema.string(description: "next_cursor from the previous page, unchanged", maxLength: 200)
    static let limit = Schema.integer(description: "Items per page, 1–\(Limits.pageMax) (default \(Limits.pageDefault))", minimum: 1,
                                      maximum: Limits.pageMax)
}
