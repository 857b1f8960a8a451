import Foundation
import JSON
import PipelineEngine
import ToolsetKit

// Pipeline diagnostics (read-only): validation, schema discovery, previews and connection tests.
// These reach real systems (files, SQLite databases, PostgreSQL servers), so they are open-world.

private let readOnlyOpen: [ToolAnnotation] = [.readOnly, .idempotent, .openWorld]

/// The seed's words for a database-only tool used on something else.
private let notADatabase = "connection not found, or not a database connection"

/// A database connection opened for one call (errors redacted).
private func database(_ p: PipelinesCall, _ opener: ConnectionOpener) throws -> (Connection, DatabaseConnector) {
    guard let connection = try p.store.connection(try p.arguments.string("connection_id")), connection.type.isDatabase else {
        throw ToolError(notADatabase)
    }
    do {
        guard case .database(let connector) = try opener.open(connection) else { throw ToolError(notADatabase) }
        return (connection, connector)
    } catch let error as ToolError {
        throw error
    } catch {
        throw ToolError("Cannot open connection \(connection.name): \(opener.redact(String(describing: error)))")
    }
}

/// Runs a connector operation, turning its failure into a redacted refusal.
private func attempt<T>(_ opener: ConnectionOpener, _ what: String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as ToolError { throw error } catch {
        throw ToolError("\(what): \(opener.redact(String(describing: error)))")
    }
}

let validatePackageTool = Tool(
    name: "validate_package",
    title: "Validate a package",
    description: "Checks a package the way a run would: the graph (inputs per component, ports, no cycles, a destination), required properties, "
        + "the connections, the columns of every source, each component's fields and expressions and their types. Returns a per-component error list.",
    input: .object(properties: ["package_id": Schemas.packageID], required: ["package_id"]),
    output: Schemas.record(["package_id": .string(), "version": .integer(), "valid": .boolean(), "errors": .array(of: Schemas.componentIssue)],
                           required: ["package_id", "version", "valid", "errors"]),
    annotations: readOnlyOpen
) { call in
    let p = try PipelinesCall(call)
    let package = try p.store.existingPackage(try p.arguments.string("package_id"))
    let opener = try p.opener()
    let issues = FlowValidation.validate(package.document, variables: VariableRules.values(defaults: package.variables, overrides: JSONObject()),
                                         connections: opener)
    let errors: [JSONValue] = issues.map { ["component": .nullable($0.component), "message": .string(opener.redact($0.message))] }
    let text = issues.isEmpty ? "\(package.id) version \(package.version) is valid."
        : "\(issues.count) problem(s):\n" + issues.map { "- \(opener.redact($0.description))" }.joined(separator: "\n")
    return .structured(["package_id": .string(package.id), "version": .int(Int64(package.version)), "valid": .bool(issues.isEmpty),
                        "errors": .array(errors)], text: text)
}

let discoverSchemaTool = Tool(
    name: "discover_schema",
    title: "Discover tables",
    description: "Lists the tables (and views) of a database connection with their columns and types. Optional schema_name (PostgreSQL), "
        + "search (part of a table name), limit (default \(Limits.discoverDefault), max \(Limits.discoverMax)) and offset. Database connections only.",
    input: .object(properties: [
        "connection_id": Schemas.connectionID, "schema_name": .string(maxLength: 128), "search": .string(maxLength: 128),
        "limit": .integer(minimum: 1, maximum: Limits.discoverMax), "offset": .integer(minimum: 0),
    ], required: ["connection_id"]),
    output: Schemas.record(["tables": .array(of: Schema.object(additionalProperties: true))], required: ["tables"]),
    annotations: readOnlyOpen
) { call in
    let p = try PipelinesCall(call)
    let opener = try p.opener()
    let (connection, connector) = try database(p, opener)
    let limit = try p.bounded("limit", default: Limits.discoverDefault, max: Limits.discoverMax)
    let offset = try p.bounded("offset", default: 0, max: Int(Int32.max), min: 0)
    let tables = try attempt(opener, "Cannot list the tables of \(connection.name)") {
        try connector.tables(schema: try p.arguments.optionalString("schema_name"), search: try p.arguments.optionalString("search"),
                             limit: limit, offset: offset)
    }
    let json: [JSONValue] = tables.map { table in
        ["schema_name": .nullable(table.table.schema), "table_name": .string(table.table.name), "kind": .string(table.kind),
         "columns": .array(table.columns.map { ["name": .string($0.name), "type": .string($0.type.rawValue)] })]
    }
    let text = tables.isEmpty ? "No tables match." : tables.map { "\($0.table) (\($0.columns.map(\.name).joined(separator: ", ")))" }.joined(separator: "\n")
    return .structured(["connection_id": .string(connection.id), "tables": .array(json), "limit": .int(Int64(limit)), "offset": .int(Int64(offset))],
                       text: text)
}

let discoverFileSchemaTool = Tool(
    name: "discover_file_schema",
    title: "Discover a file's columns",
    description: "Detects the columns of a delimited file (CSV, TSV, …) or JSON Lines file on a files connection: delimiter, quote, header row "
        + "and encoding are sniffed unless given. Returns field_count, column_names and fields ready to paste into a file source's schema.fields.",
    input: .object(properties: [
        "connection_id": Schemas.connectionID, "path": .string(description: "Path inside the connection's folder", minLength: 1, maxLength: 1024),
        "bucket": .string(description: "A top-level folder of the connection to look in (optional)", maxLength: 256),
        "record_type": .string(enum: ["delimited", "json_lines"]), "delimiter": .string(maxLength: 2), "quote": .string(maxLength: 1),
        "escape": .string(maxLength: 1), "header_row": .boolean(), "record_delimiter": .string(description: "\"\\n\" (default, also CRLF) or one character",
                                                                                                  maxLength: 2),
        "char_encoding": .string(enum: TextEncoding.allCases.map(\.rawValue)),
        "lines": .integer(description: "Records to read (default \(Limits.sniffLinesDefault), max \(Limits.sniffLinesMax))", minimum: 1,
                          maximum: Limits.sniffLinesMax),
    ], required: ["connection_id", "path"]),
    output: Schemas.record(["field_count": .integer(minimum: 0), "column_names": .array(of: .string()),
                            "fields": .array(of: Schema.object(additionalProperties: true))],
                           required: ["field_count", "column_names", "fields"]),
    annotations: readOnlyOpen
) { call in
    let p = try PipelinesCall(call)
    guard let connection = try p.store.connection(try p.arguments.string("connection_id")), connection.type == .files else {
        throw ToolError("connection not found, or not a files connection (discover_schema reads databases)")
    }
    let bucket = try p.arguments.optionalString("bucket").map { $0.hasSuffix("/") ? $0 : $0 + "/" } ?? ""
    let relative = bucket + (try p.arguments.string("path"))
    let path: String
    do { path = try FolderPath.resolve(root: connection.path ?? "", relative: relative) } catch { throw ToolError("\(error)") }
    let lines = try p.bounded("lines", default: Limits.sniffLinesDefault, max: Limits.sniffLinesMax)
    if try p.arguments.optionalString("record_type") == "json_lines" {
        return try jsonLinesSchema(path: path, relative: relative, lines: lines)
    }
    let overrides = SniffOverrides(
        delimiter: DelimitedOptions.character(try p.arguments.optionalString("delimiter")),
        quote: DelimitedOptions.character(try p.arguments.optionalString("quote")),
        escape: DelimitedOptions.character(try p.arguments.optionalString("escape")),
        headerRow: try p.arguments.optionalBool("header_row"),
        recordDelimiter: try p.arguments.optionalString("record_delimiter").flatMap { $0 == "\\n" || $0 == "\n" ? .newline : DelimitedOptions.character($0).map(RecordDelimiter.custom) },
        encoding: try p.arguments.optionalString("char_encoding").flatMap(TextEncoding.init(rawValue:)))
    let sniffed: SniffedFile
    do { sniffed = try FileSniffer.sniff(path: path, lines: lines, overrides: overrides) } catch { throw ToolError("Cannot read \(relative): \(error)") }
    let fields: [JSONValue] = sniffed.fields.map { ["name": .string($0.name), "type": .string($0.type.rawValue)] }
    let options = sniffed.options
    let text = "\(relative): \(sniffed.fields.count) columns — " + sniffed.fields.map { "\($0.name) (\($0.type.rawValue))" }.joined(separator: ", ")
    return .structured([
        "path": .string(relative), "record_type": "delimited", "field_count": .int(Int64(sniffed.fields.count)),
        "column_names": .array(sniffed.columnNames.map { .string($0) }), "fields": .array(fields),
        "delimiter": .string(options.delimiter == 9 ? "\\t" : String(UnicodeScalar(options.delimiter))),
        "quote": .string(options.quote.map { String(UnicodeScalar($0)) } ?? ""), "escape": .nullable(options.escape.map { String(UnicodeScalar($0)) }),
        "header_row": .bool(options.headerRow), "char_encoding": .string(options.encoding.rawValue),
        "records_read": .int(Int64(sniffed.recordsRead)),
        "sample_rows": .array(sniffed.sampleRows.prefix(5).map { .array($0.map(JSONValue.nullable)) }),
    ], text: text)
}

/// JSON Lines: every key of the first `lines` objects, typed from all the values seen (the engine's sniffer).
private func jsonLinesSchema(path: String, relative: String, lines: Int) throws -> ToolResult {
    let sniffed: (fields: [Field], records: Int)
    do { sniffed = try JSONLinesReader.sniffFields(path: path, limit: lines) } catch { throw ToolError("Cannot read \(relative): \(error)") }
    let fields = sniffed.fields
    return .structured([
        "path": .string(relative), "record_type": "json_lines", "field_count": .int(Int64(fields.count)),
        "column_names": .array(fields.map { .string($0.name) }),
        "fields": .array(fields.map { ["name": .string($0.name), "type": .string($0.type.rawValue)] }), "records_read": .int(Int64(sniffed.records)),
    ], text: "\(relative): \(fields.count) fields — " + fields.map { "\($0.name) (\($0.type.rawValue))" }.joined(separator: ", "))
}

let previewDataTool = Tool(
    name: "preview_data",
    title: "Preview a table",
    description: "Column metadata and a sample of rows from a database table. Optional schema_name, row_count (default \(Limits.previewDefault), "
        + "max \(Limits.previewMax)) and where_clause: ONE condition fragment (semicolons and SQL comment markers are rejected); it runs "
        + "read-only with a \(Int(Limits.previewSeconds)) s time limit.",
    input: .object(properties: [
        "connection_id": Schemas.connectionID, "table_name": .string(minLength: 1, maxLength: 256), "schema_name": .string(maxLength: 128),
        "row_count": .integer(minimum: 1, maximum: Limits.previewMax), "where_clause": .string(maxLength: 2000),
    ], required: ["connection_id", "table_name"]),
    output: Schemas.record(["columns": .array(of: Schema.object(additionalProperties: true)), "rows": .array(of: Schema.object(additionalProperties: true)),
                            "row_count": .integer(minimum: 0)], required: ["columns", "rows", "row_count"]),
    annotations: readOnlyOpen
) { call in
    let p = try PipelinesCall(call)
    let count = try p.bounded("row_count", default: Limits.previewDefault, max: Limits.previewMax)
    let whereClause = try p.arguments.optionalString("where_clause")
    if let whereClause {
        do { try WhereClause.check(whereClause) } catch { throw ToolError("\(error)") }
    }
    let opener = try p.opener()
    let (connection, connector) = try database(p, opener)
    let table = TableName(schema: try p.arguments.optionalString("schema_name"), name: try p.arguments.string("table_name"))
    let (schema, rows) = try attempt(opener, "Cannot preview \(table) on \(connection.name)") {
        let stream = try connector.read(TableQuery(table: table, whereClause: whereClause, limit: count, timeLimitSeconds: Limits.previewSeconds))
        defer { stream.close() }
        var rows: [DataRow] = []
        while rows.count < count, let row = try stream.next() { rows.append(row) }
        return (stream.schema, rows)
    }
    let json: [JSONValue] = rows.map { row in .object(JSONObject(zip(schema.names, row).map { ($0, $1.json) })) }
    return .structured([
        "connection_id": .string(connection.id), "table_name": .string(table.name), "schema_name": .nullable(table.schema),
        "columns": .array(schema.fields.map { ["name": .string($0.name), "type": .string($0.type.rawValue)] }),
        "rows": .array(json), "row_count": .int(Int64(rows.count)),
    ], text: textTable(schema.names, rows.map { $0.map { oneLinePreview($0.text ?? "NULL", length: 40) } }))
}

let testConnectionTool = Tool(
    name: "test_connection",
    title: "Test a connection",
    description: "Actively reaches a connection's system (opens the SQLite file, connects to PostgreSQL and runs SELECT 1, checks the folder). "
        + "Returns success true/false with error_message on failure (credentials redacted). connection_type (database or storage) is optional.",
    input: .object(properties: ["connection_id": Schemas.connectionID, "connection_type": .string(enum: ["database", "storage"])],
                   required: ["connection_id"]),
    output: Schemas.record(["success": .boolean(), "error_message": Schema.string().orNull], required: ["success", "error_message"]),
    annotations: readOnlyOpen
) { call in
    let p = try PipelinesCall(call)
    let connection = try p.store.existingConnection(try p.arguments.string("connection_id"))
    if let wanted = try p.arguments.optionalString("connection_type"), (wanted == "database") != connection.type.isDatabase {
        throw ToolError("Connection \(connection.id) is a \(connection.type.isDatabase ? "database" : "storage") connection, not \(wanted)")
    }
    let opener = try p.opener()
    let started = Date()
    var failure: String?
    do {
        switch try opener.open(connection) {
        case .database(let connector): try connector.ping()
        case .folder(let root):
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isFolder), isFolder.boolValue, access(root, R_OK | X_OK) == 0 else {
                throw EngineError("the folder \(root) does not exist or cannot be read")
            }
        }
    } catch {
        failure = opener.redact(String(describing: error))
    }
    let latency = Int64(Date().timeIntervalSince(started) * 1000)
    try p.store.recordTest(connection, ok: failure == nil, error: failure)
    return .structured(["connection_id": .string(connection.id), "type": .string(connection.type.rawValue), "success": .bool(failure == nil),
                        "error_message": .nullable(failure), "latency_ms": .int(latency)],
                       text: failure.map { "\(connection.name): failed — \($0)" } ?? "\(connection.name): OK (\(latency) ms)")
}
