import JSON

// The component catalogue: every component a package can use, said once. list_component_types,
// describe_component_type, create_package's shape checks and validate_package all read this table,
// so the documentation an agent sees is the rule the engine enforces.

public enum ComponentCategory: String, Sendable, CaseIterable {
    case source
    case transformation
    case destination
}

/// How many inputs a component takes.
public enum InputArity: Sendable, Equatable {
    case none
    case one
    /// Exactly one edge per named port (a join's "left" and "right").
    case ports([String])
    /// One or more, all alike (a union).
    case many

    var summary: String {
        switch self {
        case .none: "no inputs (a source)"
        case .one: "exactly one input"
        case .ports(let ports): "one input on each port: " + ports.joined(separator: ", ") + " (set \"port\" on the edge)"
        case .many: "one or more inputs with the same field names"
        }
    }
}

/// The JSON shape of one property's value.
public enum PropertyKind: Sendable, Equatable {
    case string
    case integer(min: Int64, max: Int64)
    case boolean
    /// An expression in the pipeline expression language (docs/PIPELINE-EXPRESSIONS.md).
    case expression
    case choice([String])
    /// One ASCII character (a delimiter, quote or escape); "\t" is accepted for a tab.
    case character
    case stringList
    /// An array of objects whose members are `PropertySpec`s of their own.
    case objectList([PropertySpec])
    /// {"fields": [{"name", "type"}]}: a file source's columns.
    case schema

    var jsonType: String {
        switch self {
        case .string, .expression, .choice, .character: "string"
        case .integer: "integer"
        case .boolean: "boolean"
        case .stringList, .objectList: "array"
        case .schema: "object"
        }
    }
}

public struct PropertySpec: Sendable, Equatable {
    public let name: String
    public let kind: PropertyKind
    public let required: Bool
    public let defaultValue: JSONValue?
    public let description: String

    init(_ name: String, _ kind: PropertyKind, required: Bool = false, default defaultValue: JSONValue? = nil, _ description: String) {
        self.name = name
        self.kind = kind
        self.required = required
        self.defaultValue = defaultValue
        self.description = description
    }
}

/// Every component type the engine runs. The raw value is the `specific_component_type`.
public enum ComponentKind: String, Sendable, CaseIterable {
    case databaseSource = "database_source"
    case fileSource = "file_source"
    case select
    case filter
    case sort
    case aggregate
    case join
    case union
    case distinct
    case limit
    case rename
    case databaseDestination = "database_destination"
    case fileDestination = "file_destination"

    /// The key that wraps a component's properties in data_flow_json: {"filter_component": {…}}.
    public var wrapperKey: String { rawValue + "_component" }

    public init?(wrapperKey: String) {
        guard wrapperKey.hasSuffix("_component") else { return nil }
        self.init(rawValue: String(wrapperKey.dropLast("_component".count)))
    }

    public var spec: ComponentTypeSpec { ComponentCatalog.spec(self) }
}

public struct ComponentTypeSpec: Sendable {
    public let kind: ComponentKind
    public let category: ComponentCategory
    public let className: String
    public let docstring: String
    public let inputs: InputArity
    /// Properties beyond the common `id` and `name`.
    public let properties: [PropertySpec]
    /// A complete component, accepted verbatim by create_package (ids and connection ids are placeholders).
    public let example: JSONObject

    public var required: [String] { ["name"] + properties.filter(\.required).map(\.name) }

    public func property(_ name: String) -> PropertySpec? { properties.first { $0.name == name } }

    /// {"<wrapper_key>": {…example…}}
    public var wrapperExample: JSONValue { .object(JSONObject([(kind.wrapperKey, .object(example))])) }
}

public enum ComponentCatalog {
    /// Properties every component has.
    public static let commonProperties: [PropertySpec] = [
        PropertySpec("id", .string, "Unique within the package; generated (\"<type>_<n>\") when omitted. Edges refer to it."),
        PropertySpec("name", .string, required: true, "Unique within the package; tools that edit components find them by name."),
    ]

    public static let all: [ComponentTypeSpec] = ComponentKind.allCases.map(spec)

    private static let fieldType = PropertyKind.choice(FieldType.allCases.map(\.rawValue))
    private static let connection = PropertySpec("connection_id", .string, required: true, "A connection's id (list_connections).")
    private static let recordType = PropertySpec("record_type", .choice(["delimited", "json_lines"]), default: "delimited",
                                                 "delimited (CSV, TSV, …) or json_lines (one JSON object per line).")
    private static let delimiterOptions: [PropertySpec] = [
        PropertySpec("delimiter", .character, default: ",", "Field delimiter; \"\\t\" for tab."),
        PropertySpec("quote", .character, default: "\"", "Quote character; \"\" for none."),
        PropertySpec("escape", .character, "Escape character inside quotes; omitted = a doubled quote."),
        PropertySpec("header_row", .boolean, default: true, "Whether the first record holds column names."),
        PropertySpec("char_encoding", .choice(["utf-8", "iso-8859-1", "windows-1252", "utf-16le", "utf-16be"]), default: "utf-8",
                     "Text encoding of the file."),
    ]

    static func spec(_ kind: ComponentKind) -> ComponentTypeSpec {
        switch kind {
        case .databaseSource:
            return ComponentTypeSpec(
                kind: kind, category: .source, className: "DatabaseSourceComponent",
                docstring: "Reads rows from one table of a SQLite or PostgreSQL connection, streaming (memory does not grow with the table).",
                inputs: .none,
                properties: [
                    connection,
                    PropertySpec("table_name", .string, required: true, "The table (or view) to read."),
                    PropertySpec("schema_name", .string, "PostgreSQL schema (default: public); ignored for SQLite."),
                    PropertySpec("columns", .stringList, "Columns to read, in order; omitted = all."),
                    PropertySpec("where_clause", .string, "One SQL condition fragment; ';', '--' and '/*' are refused. Runs read-only."),
                ],
                example: ["id": "database_source_1", "name": "customers", "connection_id": "conn_REPLACE_ME", "table_name": "customers"])
        case .fileSource:
            return ComponentTypeSpec(
                kind: kind, category: .source, className: "FileSourceComponent",
                docstring: "Reads a delimited file or JSON Lines file from a files connection's folder. schema.fields gives the columns and "
                    + "their types (discover_file_schema returns fields usable verbatim); without it every column is read as text by its header name.",
                inputs: .none,
                properties: [connection, PropertySpec("path", .string, required: true, "Path inside the connection's folder, e.g. \"orders/2026.csv\"."),
                             recordType] + delimiterOptions
                    + [PropertySpec("schema", .schema, "{\"fields\": [{\"name\": \"id\", \"type\": \"integer\"}, …]}: the columns to read. With a header row, "
                                    + "by header name (any subset, any order); without one, every column in file order. Types: string, integer, number, boolean.")],
                example: ["id": "file_source_1", "name": "orders", "connection_id": "conn_REPLACE_ME", "path": "orders.csv",
                          "record_type": "delimited", "delimiter": ",", "header_row": true,
                          "schema": ["fields": [["name": "order_id", "type": "integer"], ["name": "amount", "type": "number"]]]])
        case .select:
            return ComponentTypeSpec(
                kind: kind, category: .transformation, className: "SelectComponent",
                docstring: "Outputs exactly the listed fields, each computed by an expression over the input row (a field name alone copies it).",
                inputs: .one,
                properties: [PropertySpec("fields", .objectList([
                    PropertySpec("name", .string, required: true, "Output field name."),
                    PropertySpec("expression", .expression, required: true, "How to compute it, e.g. \"amount * 1.2\" or \"upper(country)\"."),
                ]), required: true, "The output fields, in order.")],
                example: ["id": "select_1", "name": "with_tax", "fields": [["name": "order_id", "expression": "order_id"],
                                                                            ["name": "gross", "expression": "round(amount * 1.2, 2)"]]])
        case .filter:
            return ComponentTypeSpec(
                kind: kind, category: .transformation, className: "FilterComponent",
                docstring: "Keeps the rows for which the condition is true (false or NULL drops the row).",
                inputs: .one,
                properties: [PropertySpec("condition", .expression, required: true, "A boolean expression, e.g. \"status = 'paid' AND amount > 0\".")],
                example: ["id": "filter_1", "name": "paid_only", "condition": "status = 'paid'"])
        case .sort:
            return ComponentTypeSpec(
                kind: kind, category: .transformation, className: "SortComponent",
                docstring: "Orders rows by one or more fields (NULLs first ascending, last descending). Large inputs spill to temporary files.",
                inputs: .one,
                properties: [PropertySpec("keys", .objectList([
                    PropertySpec("field", .string, required: true, "Field to sort by."),
                    PropertySpec("direction", .choice(["asc", "desc"]), default: "asc", "asc or desc."),
                ]), required: true, "Sort keys, most significant first.")],
                example: ["id": "sort_1", "name": "biggest_first", "keys": [["field": "amount", "direction": "desc"]]])
        case .aggregate:
            return ComponentTypeSpec(
                kind: kind, category: .transformation, className: "AggregateComponent",
                docstring: "Groups rows by the group_by fields and computes count, sum, avg, min or max per group. Output: the group fields, then the aggregates.",
                inputs: .one,
                properties: [
                    PropertySpec("group_by", .stringList, default: [], "Fields to group by; empty = one group for all rows."),
                    PropertySpec("aggregates", .objectList([
                        PropertySpec("name", .string, required: true, "Output field name."),
                        PropertySpec("function", .choice(AggregateFunction.allCases.map(\.rawValue)), required: true, "count, count_distinct, sum, avg, min or max."),
                        PropertySpec("field", .string, "Input field; omitted only for count (counts rows)."),
                    ]), required: true, "The aggregates to compute."),
                ],
                example: ["id": "aggregate_1", "name": "revenue_by_country", "group_by": ["country"],
                          "aggregates": [["name": "orders", "function": "count"], ["name": "revenue", "function": "sum", "field": "amount"]]])
        case .join:
            return ComponentTypeSpec(
                kind: kind, category: .transformation, className: "JoinComponent",
                docstring: "Joins its left input with its right input on equal keys (inner or left). Output: every left field, then the right fields "
                    + "except the right keys (prefixed with right_prefix when given). The right input is held in memory, so make it the smaller one.",
                inputs: .ports(["left", "right"]),
                properties: [
                    PropertySpec("join_type", .choice(["inner", "left"]), default: "inner", "inner keeps matches only; left keeps every left row."),
                    PropertySpec("left_keys", .stringList, required: true, "Key fields of the left input."),
                    PropertySpec("right_keys", .stringList, required: true, "Key fields of the right input, in the same order."),
                    PropertySpec("right_prefix", .string, default: "", "Prefix for the right input's field names (to avoid clashes)."),
                ],
                example: ["id": "join_1", "name": "orders_with_customers", "join_type": "inner",
                          "left_keys": ["customer_id"], "right_keys": ["id"], "right_prefix": "customer_"])
        case .union:
            return ComponentTypeSpec(
                kind: kind, category: .transformation, className: "UnionComponent",
                docstring: "Concatenates its inputs (same field names, any order); fields take the first input's order.",
                inputs: .many, properties: [], example: ["id": "union_1", "name": "all_orders"])
        case .distinct:
            return ComponentTypeSpec(
                kind: kind, category: .transformation, className: "DistinctComponent",
                docstring: "Drops rows that repeat an earlier row's values in the given fields (all fields when omitted); keeps the first.",
                inputs: .one,
                properties: [PropertySpec("fields", .stringList, "Fields that make a row a duplicate; omitted = all.")],
                example: ["id": "distinct_1", "name": "unique_emails", "fields": ["email"]])
        case .limit:
            return ComponentTypeSpec(
                kind: kind, category: .transformation, className: "LimitComponent",
                docstring: "Passes at most `count` rows after skipping `offset`.",
                inputs: .one,
                properties: [PropertySpec("count", .integer(min: 0, max: Int64.max), required: true, "Rows to pass."),
                             PropertySpec("offset", .integer(min: 0, max: Int64.max), default: 0, "Rows to skip first.")],
                example: ["id": "limit_1", "name": "first_hundred", "count": 100])
        case .rename:
            return ComponentTypeSpec(
                kind: kind, category: .transformation, className: "RenameComponent",
                docstring: "Renames and/or casts fields; unlisted fields pass through unchanged. A value that cannot be cast fails the run naming it.",
                inputs: .one,
                properties: [PropertySpec("fields", .objectList([
                    PropertySpec("from", .string, required: true, "Existing field name."),
                    PropertySpec("to", .string, "New name (default: unchanged)."),
                    PropertySpec("type", fieldType, "New type: string, integer, number or boolean."),
                ]), required: true, "The fields to rename or cast.")],
                example: ["id": "rename_1", "name": "tidy", "fields": [["from": "amt", "to": "amount", "type": "number"]]])
        case .databaseDestination:
            return ComponentTypeSpec(
                kind: kind, category: .destination, className: "DatabaseDestinationComponent",
                docstring: "Writes its input into a table of a SQLite or PostgreSQL connection in one transaction: a failed or cancelled run leaves "
                    + "the table as it was. The table is created when missing. Modes: append, replace (empty first), upsert (on key_fields).",
                inputs: .one,
                properties: [
                    connection,
                    PropertySpec("table_name", .string, required: true, "Target table."),
                    PropertySpec("schema_name", .string, "PostgreSQL schema (default: public); ignored for SQLite."),
                    PropertySpec("mode", .choice(["append", "replace", "upsert"]), default: "append", "append, replace or upsert."),
                    PropertySpec("key_fields", .stringList, "For upsert: the fields that identify a row."),
                ],
                example: ["id": "database_destination_1", "name": "revenue_table", "connection_id": "conn_REPLACE_ME",
                          "table_name": "revenue", "mode": "replace"])
        case .fileDestination:
            return ComponentTypeSpec(
                kind: kind, category: .destination, className: "FileDestinationComponent",
                docstring: "Writes its input to a file in a files connection's folder. The file appears (replacing any old one) only when the whole run succeeds.",
                inputs: .one,
                properties: [connection, PropertySpec("path", .string, required: true, "Path inside the connection's folder."), recordType]
                    + delimiterOptions.filter { $0.name != "char_encoding" },
                example: ["id": "file_destination_1", "name": "export", "connection_id": "conn_REPLACE_ME", "path": "out/revenue.csv"])
        }
    }
}

/// What an aggregate_component can compute.
public enum AggregateFunction: String, Sendable, CaseIterable {
    case count
    case countDistinct = "count_distinct"
    case sum
    case avg
    case min
    case max
}
