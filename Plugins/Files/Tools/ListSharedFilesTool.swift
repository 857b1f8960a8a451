import ToolsetKit

// list_shared_files: the shareable files, newest upload first, filtered and cursor-paginated.
// Files an operator has not marked shareable never appear, whatever the filters.

let listSharedFilesTool = Tool(
    name: "list_shared_files",
    title: "List shared files",
    description: "Files shared with you, newest first. Filter by folder (includes its subfolders), by a word in the name, "
        + "or by type (application/pdf, or image for every image). Pass next_cursor back as cursor for the next page.",
    input: .object(properties: [
        "folder": .string(description: "Only files in this folder or below it, e.g. reports/2026", maxLength: Limits.folder),
        "name": .string(description: "Only files whose name contains this text (case-insensitive)", maxLength: Limits.query),
        "type": .string(description: "A content type (application/pdf) or its first part (image, text)", maxLength: 100),
        "limit": .integer(description: "Files per page (default \(Limits.pageDefault))", minimum: 1, maximum: Limits.pageMax),
        "cursor": .string(description: "next_cursor of the previous page", maxLength: 1024),
    ]),
    output: .object(properties: [
        "files": .array(of: Schemas.file),
        "next_cursor": Schema.string(description: "Pass as cursor for the next page; null on the last page").orNull,
    ], required: ["files", "next_cursor"]),
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let files = try FilesCall(call)
    let filter = try files.filter()
    let limit = try files.limit()
    let rows = try files.store.sharedFiles(filter, before: try files.cursor(for: filter), limit: limit + 1)
    let page = Array(rows.prefix(limit))
    let next = FilesCall.nextCursor(after: rows.count > limit ? page.last : nil, filter: filter)
    let text = page.isEmpty ? "No shared files match."
        : page.map { "\($0.id)  \($0.path)  \($0.contentType)  \($0.size) bytes" }.joined(separator: "\n")
    return .structured(["files": .array(page.map(\.json)), "next_cursor": next], text: text)
}
