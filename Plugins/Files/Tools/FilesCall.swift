import ToolsetKit

/// What both tools need from their call: the store at the call's instant, the deployer's settings
/// and the arguments.
struct FilesCall {
    let store: FileStore
    let settings: FilesSettings
    let arguments: ToolArguments

    init(_ call: ToolCall) throws {
        store = FileStore(try call.database, now: call.nowMilliseconds)
        settings = FilesSettings(call.configuration)
        arguments = call.arguments
    }

    /// The file an agent named, if it is shareable; otherwise the one "no shared file" answer.
    func sharedFile() throws -> StoredFile { try store.sharedFile(id: try arguments.string("file_id")) }

    func limit() throws(ToolError) -> Int {
        try arguments.pageLimit(default: Limits.pageDefault, max: Limits.pageMax)
    }

    /// The filters given, normalised (blank = not given).
    func filter() throws(ToolError) -> FileFilter {
        FileFilter(folder: try Rules.folder(try arguments.optionalString("folder")).flatMap { $0.isEmpty ? nil : $0 },
                   nameContains: try arguments.optionalString("name").flatMap { Rules.blankIsNil($0) },
                   type: try arguments.optionalString("type").flatMap { Rules.blankIsNil($0)?.lowercased() })
    }

    /// The seq the page continues below, from `cursor`; nil for the first page.
    func cursor(for filter: FileFilter) throws(ToolError) -> Int64? {
        try arguments.cursorPosition(list: "f1", filters: filter.cursorFilters)
    }

    static func nextCursor(after file: StoredFile?, filter: FileFilter) -> JSONValue {
        PageCursor.next(list: "f1", filters: filter.cursorFilters, position: file?.seq)
    }
}

/// What names and folders may be, for uploads and filters alike.
enum Rules {
    static func blankIsNil(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// "/Reports//2026/" → "reports/2026"-like segments joined by "/", trimmed; "" for the top
    /// level. Folders are labels in the database, never paths on disk, but "." and ".." segments
    /// and control characters are refused all the same so no one is misled by one.
    static func folder(_ text: String?) throws(ToolError) -> String? {
        guard let text else { return nil }
        let segments = text.split(separator: "/").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let folder = segments.joined(separator: "/")
        guard folder.count <= Limits.folder else { throw ToolError("\"folder\" is \(folder.count) characters long; the limit is \(Limits.folder)") }
        guard !segments.contains(where: { $0 == "." || $0 == ".." }), !folder.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ToolError("\"folder\" may not contain \".\" or \"..\" segments or control characters")
        }
        return folder
    }

    /// A file's display name: its source's last path component, within 255 characters, no control characters.
    static func name(_ text: String) throws(ToolError) -> String {
        guard let name = blankIsNil(text), name != ".", name != ".." else { throw ToolError("a file needs a name") }
        guard name.count <= Limits.name else { throw ToolError("the name is \(name.count) characters long; the limit is \(Limits.name)") }
        guard !name.contains("/"), !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ToolError("a name may not contain \"/\" or control characters")
        }
        return name
    }
}
