import JSON

// Sources and destinations read their connection and properties the same way for validation
// (schema only) and for a run (open the stream or writer).

struct DatabaseSourcePlan {
    let component: FlowComponent
    let connector: DatabaseConnector
    let table: TableName

    init(_ component: FlowComponent, connections: ConnectionResolver) throws {
        self.component = component
        let id = component.string("connection_id") ?? ""
        guard case .database(let connector) = try connections.resolve(id) else {
            throw ComponentIssue(component: component.name, "connection \(id) is not a database connection; use file_source_component for a files connection")
        }
        self.connector = connector
        table = TableName(schema: component.string("schema_name"), name: component.string("table_name") ?? "")
        if let clause = component.string("where_clause") {
            do { try WhereClause.check(clause) } catch { throw ComponentIssue(component: component.name, FlowCompiler.describe(error)) }
        }
    }

    func schema() throws -> RowSchema {
        let columns = try connector.columns(of: table)
        guard let wanted = component.strings("columns"), !wanted.isEmpty else { return RowSchema(columns) }
        return RowSchema(try wanted.map { name in
            guard let field = columns.first(where: { $0.name == name }) else {
                throw ComponentIssue(component: component.name, "table \(table) has no column \"\(name)\" (columns: \(columns.map(\.name).joined(separator: ", ")))")
            }
            return field
        })
    }

    func open(timeLimit: Double) throws -> RowStream {
        try connector.read(TableQuery(table: table, columns: component.strings("columns").flatMap { $0.isEmpty ? nil : $0 },
                                      whereClause: component.string("where_clause"), timeLimitSeconds: timeLimit))
    }
}

/// A files connection's folder and a path inside it.
func folderPath(_ component: FlowComponent, connections: ConnectionResolver) throws -> String {
    let id = component.string("connection_id") ?? ""
    guard case .folder(let root) = try connections.resolve(id) else {
        throw ComponentIssue(component: component.name, "connection \(id) is not a files connection; use the database_ components for a database")
    }
    do {
        return try FolderPath.resolve(root: root, relative: component.string("path") ?? "")
    } catch {
        throw ComponentIssue(component: component.name, FlowCompiler.describe(error))
    }
}

extension DelimitedOptions {
    /// The delimiter, quote, escape, header and encoding properties of a file component.
    init(_ component: FlowComponent) {
        self.init()
        if let d = Self.character(component.string("delimiter")) { delimiter = d }
        if let q = component.string("quote") { quote = Self.character(q) }
        if let e = component.string("escape") { escape = Self.character(e) }
        headerRow = component.bool("header_row") ?? true
        if let encoding = component.string("char_encoding").flatMap(TextEncoding.init(rawValue:)) { self.encoding = encoding }
    }

    /// "\t" (two characters, as agents write it in JSON) means a tab; "" means none.
    public static func character(_ text: String?) -> UInt8? {
        guard let text, !text.isEmpty else { return nil }
        if text == "\\t" { return 9 }
        return text.utf8.first
    }
}

struct FileSourcePlan {
    let component: FlowComponent
    let path: String

    init(_ component: FlowComponent, connections: ConnectionResolver) throws {
        self.component = component
        path = try folderPath(component, connections: connections)
    }

    var declaredFields: [Field]? {
        guard let fields = component["schema"]?["fields"]?.arrayValue else { return nil }
        return fields.map { Field($0["name"]?.stringValue ?? "", $0["type"]?.stringValue.flatMap(FieldType.init(rawValue:)) ?? .string) }
    }

    func schema() throws -> RowSchema {
        if let declaredFields { return RowSchema(declaredFields) }
        let stream = try open()
        defer { stream.close() }
        return stream.schema
    }

    func open() throws -> RowStream {
        if component.string("record_type") == "json_lines" { return try JSONLinesReader(path: path, fields: declaredFields) }
        return try DelimitedReader(path: path, options: DelimitedOptions(component), fields: declaredFields)
    }
}

struct FileDestinationPlan {
    let component: FlowComponent
    let connections: ConnectionResolver

    init(_ component: FlowComponent, connections: ConnectionResolver) {
        self.component = component
        self.connections = connections
    }

    func resolvedPath() throws -> String { try folderPath(component, connections: connections) }

    func begin(schema: RowSchema) throws -> TableWriter {
        try FileTableWriter(path: try resolvedPath(), schema: schema, jsonLines: component.string("record_type") == "json_lines",
                            options: DelimitedOptions(component))
    }
}
