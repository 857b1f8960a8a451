import ToolsetKit

// `toolhost files list`, `files links FILE_ID` and `files revoke-link LINK_ID`: what is stored,
// which links to a file are still out there, and taking one back.

let listCommand = OperatorCommand(
    group: "files", name: "list", title: "Files",
    summary: "Every uploaded file, shared or not, newest first [--limit N]",
    input: .object(properties: [
        "limit": .integer(description: "at most this many (default \(Limits.operatorListDefault))", minimum: 1, maximum: 10_000),
    ]),
    output: .object(properties: ["files": .array(of: Schemas.operatorFile)], required: ["files"]),
    view: .table(rows: "/files", columns: [
        .init("id", "File"), .init("folder", "Folder"), .init("name", "Name"), .init("type", "Type"), .init("size", "Bytes"),
        .init("shareable", "Shared"), .init("updated_at", "Updated"),
    ], rowActions: [
        .init("share", label: "Share", args: ["file_id": "{id}"]),
        .init("unshare", label: "Stop sharing", args: ["file_id": "{id}"]),
        .init("links", label: "Links", args: ["file_id": "{id}"]),
        .init("delete", label: "Delete", args: ["file_id": "{id}"]),
    ]),
    annotations: [.readOnly], toolset: "files", role: .viewer
) { ctx, args in
    let human = try OperatorCall(ctx)
    let files = try human.store.allFiles(limit: try args.values.optionalInt("limit") ?? Limits.operatorListDefault)
    let text = files.isEmpty ? "No files yet; upload one with toolhost files upload --tenant \(ctx.tenant) PATH"
        : textTable(["FILE", "SHARED", "BYTES", "TYPE", "PATH"], files.map {
            [$0.id, $0.shareable ? "yes" : "no", String($0.size), $0.contentType, $0.path]
        })
    return .ok(text: text, data: ["files": .array(files.map(\.operatorJSON))])
}

let linksCommand = OperatorCommand(
    group: "files", name: "links", title: "A file's links",
    summary: "The links to a file that still work (not expired, used up or revoked): FILE_ID",
    description: "Links revoked with toolhost links revoke are listed until they expire: revoke them with toolhost files revoke-link instead.",
    input: fileIDInput,
    output: .object(properties: ["links": .array(of: Schemas.link)], required: ["links"]),
    view: .table(rows: "/links", columns: [
        .init("id", "Link"), .init("created_by", "Made by"), .init("created_at", "Made"), .init("expires_at", "Expires"),
        .init("single_use", "Once"),
    ], rowActions: [.init("revoke-link", label: "Revoke", args: ["link_id": "{id}"])]),
    annotations: [.readOnly], toolset: "files", role: .viewer
) { ctx, args in
    let human = try OperatorCall(ctx)
    let file = try human.file(try args.values.string("file_id"))
    let links = try human.store.outstandingLinks(of: file.id)
    let text = links.isEmpty ? "No working links to \(file.id) (\(file.path))."
        : textTable(["LINK", "MADE BY", "EXPIRES", "ONCE"], links.map {
            [$0.id, $0.createdBy, JSONValue.time($0.expiresMs).stringValue ?? "", $0.singleUse ? "yes" : "no"]
        })
    return .ok(text: text, data: ["links": .array(links.map(\.json))])
}

let revokeLinkCommand = OperatorCommand(
    group: "files", name: "revoke-link", title: "Revoke a link",
    summary: "Make one share link answer 410 Gone from now on: LINK_ID",
    input: Schema.object(properties: ["link_id": .string(description: "The link's id (lnk_…)", minLength: 1, maxLength: 64)],
                         required: ["link_id"]).positional("link_id"),
    output: .object(properties: ["link": Schemas.link], required: ["link"]),
    view: .record, annotations: [.notDestructive, .idempotent], toolset: "files", role: .admin
) { ctx, args in
    let human = try OperatorCall(ctx)
    let id = try args.values.string("link_id")
    guard let link = try human.store.link(id: id) else { throw ToolError("no link \"\(id)\" to a file (toolhost files links FILE_ID shows them)") }
    if let error = human.revokeWithHost(id) { throw InternalError("the host did not revoke \(id): \(error)") }
    try human.store.markRevoked(id)
    human.audit("link_revoked", ["link_id": .string(id), "file_id": .string(link.fileID)])
    return .ok(text: "Revoked \(id); it answers 410 Gone from now on.", data: ["link": link.json])
}
