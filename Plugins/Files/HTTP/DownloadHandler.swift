import ToolsetKit

// Requests through a share link (`…/x/files/download/<file id>?l=…`). The host has already checked
// the signature, the expiry, single use and revocation; this handler re-checks, on every request,
// what the host cannot know: that the file still exists, is still shareable and still has its
// bytes. Unsharing or deleting a file therefore stops its downloads at once, even for a link
// whose revocation failed. The answer is the file's path, streamed by the host (sendfile, Range,
// HEAD), so a large file never passes through this plugin's memory.

/// What a withdrawn or vanished file answers: 410 Gone, as the host answers a revoked or expired
/// link, with one text whatever the reason, so the answer says nothing about the file.
let noLongerShared = HTTPAnswer.body(status: 410, "This file is no longer shared.\n")

let downloadHandler = HTTPHandler(path: "download") { request in
    // The claims were signed with the link, so this is an id get_share_link chose.
    guard let id = request.claims["file_id"]?.stringValue else { return noLongerShared }
    let store = FileStore(try request.database, now: request.nowMilliseconds)
    let bytes = FileBytes(folder: try request.filesFolder())
    let link = try store.link(id: request.linkID)
    guard let file = try store.file(id: id), file.shareable, bytes.exists(id), link?.revokedMs == nil else { return noLongerShared }
    // The host consumed a single-use link before this ran; remember it so `files links` stops listing it.
    if request.method == "GET", link?.singleUse == true { try store.markUsed(request.linkID) }
    return .file(bytes.path(of: id), contentType: file.contentType, downloadName: file.name)
}
