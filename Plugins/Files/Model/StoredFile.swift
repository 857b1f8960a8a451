import ToolsetKit

/// One uploaded file's metadata; its bytes are `<files folder>/<id>` (FileBytes).
struct StoredFile {
    let seq: Int64
    let id: String
    let name: String
    /// "" for the top level, else "reports/2026" (display only: never a path on disk).
    let folder: String
    let size: Int64
    let contentType: String
    /// Lower-case hex, computed while the upload was copied.
    let sha256: String
    let shareable: Bool
    let uploadedBy: String
    let createdMs: Int64
    let updatedMs: Int64

    /// What agents see (list_shared_files items, get_share_link's file).
    var json: JSONValue {
        ["id": .string(id), "name": .string(name), "folder": .string(folder), "size": .int(size), "type": .string(contentType),
         "sha256": .string(sha256), "updated_at": JSONValue.time(updatedMs)]
    }

    /// What operators see: everything, non-shareable files included.
    var operatorJSON: JSONValue {
        guard case .object(var object) = json else { return json }
        object["shareable"] = .bool(shareable)
        object["uploaded_by"] = .string(uploadedBy)
        object["created_at"] = JSONValue.time(createdMs)
        return .object(object)
    }

    var path: String { folder.isEmpty ? name : folder + "/" + name }
}

/// A link minted by get_share_link, remembered so unsharing or deleting the file can revoke it.
struct ShareLink {
    let id: String
    let fileID: String
    let createdBy: String
    let createdMs: Int64
    let expiresMs: Int64
    let singleUse: Bool
    let usedMs: Int64?
    let revokedMs: Int64?

    func isOutstanding(at now: Int64) -> Bool { revokedMs == nil && usedMs == nil && expiresMs > now }

    var json: JSONValue {
        ["id": .string(id), "file_id": .string(fileID), "created_by": .string(createdBy), "created_at": JSONValue.time(createdMs),
         "expires_at": JSONValue.time(expiresMs), "single_use": .bool(singleUse)]
    }
}
