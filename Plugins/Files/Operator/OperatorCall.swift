import PluginABI
import ToolsetKit

/// What the humans' commands share: the store at the command's instant, the files folder, and the
/// operator (`cli:dana`) their uploads and changes are attributed to.
struct OperatorCall {
    let store: FileStore
    let context: OperatorContext

    init(_ context: OperatorContext) throws {
        store = FileStore(try context.database, now: context.nowMilliseconds)
        self.context = context
    }

    var bytes: FileBytes {
        get throws { FileBytes(folder: try context.filesFolder()) }
    }

    /// Any file, shareable or not (operators see everything).
    func file(_ id: String) throws -> StoredFile {
        guard let file = try store.file(id: id) else { throw ToolError("no file \"\(id)\" (toolhost files list --tenant \(context.tenant) shows them)") }
        return file
    }

    /// Revokes every outstanding link of `fileID` with the host and marks it here; the ids revoked.
    /// A link the host refuses to revoke is logged and left as it is: the download handler refuses
    /// an unshared or deleted file anyway.
    func revokeLinks(of fileID: String) throws -> [String] {
        var revoked: [String] = []
        for link in try store.outstandingLinks(of: fileID) {
            if let error = revokeWithHost(link.id) {
                context.log("could not revoke link \(link.id) of \(fileID): \(error)", level: .warning)
                continue
            }
            try store.markRevoked(link.id)
            revoked.append(link.id)
        }
        return revoked
    }

    /// Revokes a link with the host; nil when done, or when the host no longer knows the link (it
    /// forgets long-expired ones), so there is nothing left to revoke.
    func revokeWithHost(_ id: String) -> JobServiceError? {
        do throws(JobServiceError) {
            try context.revokeLink(id)
            return nil
        } catch {
            return error.status == TH_NOT_FOUND ? nil : error
        }
    }

    /// Records the human's change in the host's audit trail.
    func audit(_ kind: String, _ details: JSONObject) { context.emit("files.\(kind)", .object(details)) }
}

/// The argument every per-file command takes, as the command line's one operand.
let fileIDInput = Schema.object(properties: ["file_id": .string(description: "The file's id (fl_…)", minLength: 1, maxLength: Limits.fileID)],
                                required: ["file_id"]).positional("file_id")
