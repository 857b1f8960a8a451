import ToolsetKit

// `toolhost files upload --tenant T PATH [--folder F] [--shareable]`: prints the new file's id alone
// on stdout (`ID=$(toolhost files upload …)`). The file is copied into the tenant's files folder in
// bounded chunks while its SHA-256 is computed (Store/FileBytes.swift); its name is PATH's last
// component, its type comes from that name's extension.

let uploadCommand = OperatorCommand(
    group: "files", name: "upload", title: "Upload a file",
    summary: "Copy a file into the workspace's file storage: PATH [--folder F] [--shareable]; prints the file id",
    description: "Agents only see the file once it is shareable (--shareable now, or toolhost files share later). "
        + "The original is copied, not moved; the copy is kept under its id, never under its name.",
    input: Schema.object(properties: [
        "path": .string(description: "The file to upload, on this machine", minLength: 1, maxLength: 4096),
        "folder": .string(description: "Where to file it for browsing, e.g. reports/2026 (default: the top level)", maxLength: Limits.folder),
        "shareable": .boolean(description: "Share it with agents at once (default: not shared)"),
    ], required: ["path"]).positional("path"),
    output: Schemas.operatorFile,
    view: .record, annotations: [.notDestructive], toolset: "files", role: .admin
) { ctx, args in
    let human = try OperatorCall(ctx)
    let source = try args.values.string("path")
    let name = try Rules.name(String(source.split(separator: "/").last ?? ""))
    let folder = try Rules.folder(try args.values.optionalString("folder")) ?? ""
    let shareable = try args.values.optionalBool("shareable") ?? false
    let id = FileStore.newID()
    let bytes = try human.bytes
    let (size, sha256) = try bytes.copyIn(from: source, as: id)
    let file: StoredFile
    do {
        file = try human.store.insert(id: id, name: name, folder: folder, size: size, contentType: ContentTypes.of(name: name),
                                      sha256: sha256, shareable: shareable, uploadedBy: ctx.operatorName)
    } catch {
        bytes.remove(id)
        throw error
    }
    human.audit("uploaded", ["file_id": .string(id), "name": .string(name), "folder": .string(folder), "size": .int(size),
                             "sha256": .string(sha256), "shareable": .bool(shareable)])
    return .ok(text: id, data: file.operatorJSON)
}
