import ToolsetKit

// get_share_link: a signed download link to one shareable file. The host signs it and checks
// signature, expiry, single use and revocation on every request; the download handler
// (HTTP/DownloadHandler.swift) then re-checks that the file is still shared. The link is recorded
// so that unsharing or deleting the file revokes it.

let getShareLinkTool = Tool(
    name: "get_share_link",
    title: "Get a file's share link",
    description: "A download link to a shared file, for you or to hand to a person. It expires after expires_in_seconds "
        + "(default one hour, at most what the workspace allows), works once if single_use, and stops working at once "
        + "if the file is unshared. The result carries the link as a resource_link too.",
    input: .object(properties: [
        "file_id": Schemas.fileID,
        "expires_in_seconds": .integer(description: "How long the link works (default 3600, or the workspace's maximum if shorter)",
                                       minimum: 1, maximum: Limits.hostMaxLinkSeconds),
        "single_use": .boolean(description: "The link downloads once, then answers 410 Gone (default false)"),
    ], required: ["file_id"]),
    output: .object(properties: [
        "url": .string(description: "The download link"),
        "link_id": .string(description: "The link's id (lnk_…), for operators revoking it"),
        "expires_at": .string(format: "date-time"),
        "single_use": .boolean(),
        "file": Schemas.file,
    ], required: ["url", "link_id", "expires_at", "single_use", "file"]),
    annotations: [.notReadOnly, .notDestructive, .notIdempotent, .closedWorld]
) { call in
    let files = try FilesCall(call)
    let file = try files.sharedFile()
    let maximum = files.settings.maxLinkSeconds
    let seconds = try files.arguments.optionalInt("expires_in_seconds") ?? files.settings.defaultLinkSeconds
    guard seconds <= maximum else {
        throw ToolError("\"expires_in_seconds\" is \(seconds); this workspace allows links of at most \(durationText(maximum)). "
            + "Ask for \(maximum) or less.")
    }
    let singleUse = try files.arguments.optionalBool("single_use") ?? false
    let outstanding = try files.store.outstandingLinkCount(of: file.id)
    guard outstanding < Limits.outstandingLinksPerFile else {
        throw ToolError("\(file.id) already has \(outstanding) unexpired share links, the limit; no new link was made. Hand on one you "
            + "already have, or ask an operator to revoke some (toolhost files links).")
    }
    let link: SignedLink
    do {
        link = try call.signLink(LinkRequest(path: "download/\(file.id)", claims: ["file_id": .string(file.id)],
                                             expiresInSeconds: seconds, singleUse: singleUse))
    } catch {
        throw InternalError("could not sign a link to \(file.id): \(error)")
    }
    let expiresMs = files.store.now + Int64(seconds) * 1000
    try files.store.database.transaction {
        try files.store.recordLink(id: link.id, fileID: file.id, createdBy: call.context.tokenID, expiresMs: expiresMs, singleUse: singleUse)
        try files.store.pruneExpiredLinks()
    }
    let result: JSONValue = ["url": .string(link.url), "link_id": .string(link.id), "expires_at": JSONValue.time(expiresMs),
                             "single_use": .bool(singleUse), "file": file.json]
    let text = "Download \(file.name) (\(file.size) bytes)\(singleUse ? " once" : ""), until \(JSONValue.time(expiresMs).stringValue ?? "?"): \(link.url)"
    return .structured(result, text: text, content: [
        .resourceLink(uri: link.url, name: file.name, mimeType: file.contentType, size: file.size),
    ])
}
