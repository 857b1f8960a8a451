import ToolsetKit

/// The schema pieces both tools and the operator commands share.
enum Schemas {
    static let fileID = Schema.string(description: "The file's id (fl_…), from list_shared_files", minLength: 1, maxLength: Limits.fileID)

    static let file = Schema.object(properties: [
        "id": .string(),
        "name": .string(description: "The file's name, e.g. report.pdf"),
        "folder": .string(description: "Where the operator filed it, e.g. reports/2026; \"\" for the top level"),
        "size": .integer(description: "Bytes", minimum: 0),
        "type": .string(description: "Content type, from the name's extension, e.g. application/pdf"),
        "sha256": .string(description: "SHA-256 of the bytes, lower-case hex", pattern: "^[0-9a-f]{64}$"),
        "updated_at": .string(format: "date-time"),
    ], required: ["id", "name", "folder", "size", "type", "sha256", "updated_at"])

    /// An operator's view of a file: the agents' fields and who uploaded it, whether it is shared, when.
    static let operatorFile = Schema.object(properties: [
        "id": .string(), "name": .string(), "folder": .string(), "size": .integer(minimum: 0), "type": .string(),
        "sha256": .string(), "updated_at": .string(format: "date-time"), "shareable": .boolean(), "uploaded_by": .string(),
        "created_at": .string(format: "date-time"),
    ], required: ["id", "name", "folder", "size", "type", "sha256", "updated_at", "shareable", "uploaded_by", "created_at"])

    static let link = Schema.object(properties: [
        "id": .string(), "file_id": .string(), "created_by": .string(), "created_at": .string(format: "date-time"),
        "expires_at": .string(format: "date-time"), "single_use": .boolean(),
    ], required: ["id", "file_id", "created_by", "created_at", "expires_at", "single_use"])
}
