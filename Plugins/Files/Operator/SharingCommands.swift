import ToolsetKit

// `toolhost files share|unshare|delete --tenant T FILE_ID`. Unsharing takes effect at once: the
// download handler refuses the file on the next request, and its outstanding links are revoked
// with the host too, so they stay dead if the file is shared again.

private let sharingOutput = Schema.object(properties: [
    "file": Schemas.operatorFile,
    "revoked_links": .array(of: .string(), description: "Ids of the links revoked with it"),
], required: ["file", "revoked_links"])

let shareCommand = OperatorCommand(
    group: "files", name: "share", title: "Share with agents",
    summary: "Mark a file agent-shareable: FILE_ID",
    input: fileIDInput, output: sharingOutput,
    view: .record, annotations: [.notDestructive, .idempotent], toolset: "files", role: .admin
) { ctx, args in
    try setShareable(ctx, try args.values.string("file_id"), true)
}

let unshareCommand = OperatorCommand(
    group: "files", name: "unshare", title: "Stop sharing",
    summary: "Hide a file from agents and revoke its links; downloads stop at once: FILE_ID",
    input: fileIDInput, output: sharingOutput,
    view: .record, annotations: [.notDestructive, .idempotent], toolset: "files", role: .admin
) { ctx, args in
    try setShareable(ctx, try args.values.string("file_id"), false)
}

private func setShareable(_ ctx: OperatorContext, _ id: String, _ shareable: Bool) throws -> OperatorResult {
    let human = try OperatorCall(ctx)
    let changed = try human.store.database.transaction {
        _ = try human.file(id)
        return try human.store.setShareable(id, shareable)
    }
    // After the flag is off, so a link minted meanwhile is refused by the handler if not revoked here.
    let revoked = shareable ? [] : try human.revokeLinks(of: id)
    let file = try human.file(id)
    if changed || !revoked.isEmpty {
        human.audit(shareable ? "shared" : "unshared", ["file_id": .string(id), "name": .string(file.name),
                                                        "revoked_links": .array(revoked.map(JSONValue.string))])
    }
    let state = shareable ? "shared with agents" : "not shared"
    let text = (changed ? "\(id) (\(file.path)) is now \(state)" : "\(id) (\(file.path)) was already \(state)")
        + (revoked.isEmpty ? "." : "; revoked \(revoked.count) link\(revoked.count == 1 ? "" : "s").")
    return .ok(text: text, data: ["file": file.operatorJSON, "revoked_links": .array(revoked.map(JSONValue.string))])
}

let deleteCommand = OperatorCommand(
    group: "files", name: "delete", title: "Delete a file",
    summary: "Delete a file's bytes and record and revoke its links: FILE_ID",
    input: fileIDInput, output: sharingOutput,
    view: .record, annotations: [.destructive, .idempotent], toolset: "files", role: .admin
) { ctx, args in
    let human = try OperatorCall(ctx)
    let id = try args.values.string("file_id")
    let file = try human.file(id)
    let revoked = try human.revokeLinks(of: id)
    try human.store.database.transaction { try human.store.delete(id) }
    try human.bytes.remove(id)
    human.audit("deleted", ["file_id": .string(id), "name": .string(file.name), "size": .int(file.size),
                            "revoked_links": .array(revoked.map(JSONValue.string))])
    return .ok(text: "Deleted \(id) (\(file.path), \(file.size) bytes)\(revoked.isEmpty ? "" : "; revoked \(revoked.count) link\(revoked.count == 1 ? "" : "s")").",
               data: ["file": file.operatorJSON, "revoked_links": .array(revoked.map(JSONValue.string))])
}
