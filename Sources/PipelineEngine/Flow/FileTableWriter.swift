import Foundation

/// A file destination as a TableWriter: rows go to a hidden temporary file next to the target,
/// which replaces the target only at commit (rename is atomic), so readers never see half a file
/// and a failed run leaves the old file in place.
final class FileTableWriter: TableWriter {
    let path: String
    let temporaryPath: String
    private let delimited: DelimitedWriter?
    private let jsonLines: JSONLinesWriter?
    private var finished = false

    init(path: String, schema: RowSchema, jsonLines: Bool, options: DelimitedOptions) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        temporaryPath = folder.appendingPathComponent(".\(url.lastPathComponent).toolhost-\(UUID().uuidString.prefix(8))").path
        if jsonLines {
            self.jsonLines = try JSONLinesWriter(path: temporaryPath, options: options, schema: schema)
            delimited = nil
        } else {
            delimited = try DelimitedWriter(path: temporaryPath, options: options, schema: schema)
            self.jsonLines = nil
        }
    }

    var rowsWritten: Int { delimited?.rowsWritten ?? jsonLines?.rowsWritten ?? 0 }

    func write(_ row: DataRow) throws {
        if let delimited { try delimited.write(row) } else { try jsonLines?.write(row) }
    }

    func commit() throws {
        if let delimited { try delimited.finish() } else { try jsonLines?.finish() }
        finished = true
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw EngineError("cannot move the finished file into place: \(reason)")
        }
    }

    func rollback() {
        if !finished { try? delimited?.finish(); try? jsonLines?.finish() }
        unlink(temporaryPath)
    }

    deinit { if !finished { unlink(temporaryPath) } }
}
