import Foundation
import ToolsetKit

// Sharing a note as a download (ABI 1.2, header section 11): `share_note` writes the note into this
// tenant's private files folder and asks the host to sign a single-use link to the "export" handler.
// Whoever opens the link gets the file, streamed by the host; the host checks the signature, the
// expiry and single use before `exportHandler` ever runs.

let exportHandler = HTTPHandler(path: "export") { request in
    // The claims were signed by the host, so "file" is a name this plugin chose.
    guard let name = request.claims["file"]?.stringValue else { return .body(status: 404, "Nothing to download.") }
    return .file(try request.filesFolder() + "/" + name, contentType: "text/plain; charset=utf-8", downloadName: name)
}

let shareNoteTool = Tool(
    name: "share_note",
    title: "Share a note as a download link",
    description: "Makes a link that downloads the note as a text file, once, within ten minutes.",
    input: .object(properties: ["id": .integer(minimum: 1)], required: ["id"]),
    output: .object(properties: ["url": .string()], required: ["url"]),
    annotations: [.notReadOnly, .notDestructive, .notIdempotent, .closedWorld]
) { call in
    let id = try call.arguments.int("id")
    guard let note = try call.database.queryOne("SELECT title, body FROM notes WHERE id = ?", [.int(Int64(id))], { row in
        (title: row.string(0), body: row.string(1))
    }) else { throw ToolError("No note \(id); list_notes shows the ids there are.") }
    let name = "note-\(id).txt"
    do {
        try Data((note.title + "\n\n" + note.body).utf8).write(to: URL(fileURLWithPath: try call.filesFolder() + "/" + name))
        let link = try call.signLink(LinkRequest(path: "export", claims: ["file": .string(name)], expiresInSeconds: 600, singleUse: true))
        return .structured(["url": .string(link.url)], text: "Download it once, within ten minutes: \(link.url)")
    } catch {
        throw InternalError("could not share note \(id): \(error)")
    }
}
