import ToolsetKit

// The three tools. The host has validated the arguments against `input` before a handler runs, so
// the getters below fail only if the schema and the code disagree.

let addNoteTool = Tool(
    name: "add_note",
    title: "Add a note",
    description: "Save a note. Returns its id, which get_note takes.",
    input: .object(
        properties: [
            "title": .string(description: "A short title", minLength: 1, maxLength: 200),
            "body": .string(description: "The note itself", maxLength: 10_000),
        ],
        required: ["title", "body"]
    ),
    output: .object(properties: ["id": .integer(), "title": .string()], required: ["id", "title"]),
    annotations: [.notReadOnly, .notDestructive, .notIdempotent, .closedWorld]
) { call in
    let title = try call.arguments.string("title")
    let body = try call.arguments.string("body")
    let database = try call.database
    try database.run("INSERT INTO notes (title, body, created_ms) VALUES (?, ?, ?)",
                     [.text(title), .text(body), .int(call.nowMilliseconds)])
    let id = database.lastInsertRowID
    call.emit("note.created", ["id": .int(id)])  // the host's audit trail; never put secrets in details
    return .structured(["id": .int(id), "title": .string(title)], text: "Saved note \(id): \(title)")
}

let getNoteTool = Tool(
    name: "get_note",
    title: "Read a note",
    description: "One note by the id add_note or list_notes gave.",
    input: .object(properties: ["id": .integer(minimum: 1)], required: ["id"]),
    output: .object(
        properties: ["id": .integer(), "title": .string(), "body": .string(), "created_ms": .integer()],
        required: ["id", "title", "body", "created_ms"]
    ),
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let id = try call.arguments.int("id")
    let note = try call.database.queryOne("SELECT title, body, created_ms FROM notes WHERE id = ?", [.int(Int64(id))]) { row in
        (title: row.string(0), body: row.string(1), createdMs: row.int64(2))
    }
    // A failure the model can fix is a result with isError, not a thrown internal error.
    guard let note else { throw ToolError("No note \(id); list_notes shows the ids there are.") }
    return .structured(
        ["id": .int(Int64(id)), "title": .string(note.title), "body": .string(note.body), "created_ms": .int(note.createdMs)],
        text: "\(note.title)\n\n\(note.body)"
    )
}

let listNotesTool = Tool(
    name: "list_notes",
    title: "List notes",
    description: "Ids and titles of the 50 newest notes, newest first.",
    output: .object(
        properties: ["notes": .array(of: .object(properties: ["id": .integer(), "title": .string()], required: ["id", "title"]))],
        required: ["notes"]
    ),
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let notes = try call.database.query("SELECT id, title FROM notes ORDER BY id DESC LIMIT 50") { row -> JSONValue in
        ["id": .int(row.int64(0)), "title": .string(row.string(1))]
    }
    return .structured(["notes": .array(notes)])
}
