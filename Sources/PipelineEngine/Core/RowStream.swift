/// A pull-based stream of rows: sources produce them, transformations wrap other streams.
/// Memory stays bounded because a row is produced only when the consumer asks for it.
public protocol RowStream: AnyObject {
    var schema: RowSchema { get }
    /// The next row, or nil at the end. Throws `EngineError` when the input is bad.
    func next() throws -> DataRow?
    /// Releases files, statements and connections early (also done when the stream is freed).
    func close()
}

extension RowStream {
    public func close() {}
}

/// A stream over rows already in memory (tests, previews, small lookups).
public final class ArrayRowStream: RowStream {
    public let schema: RowSchema
    private var rows: [DataRow]
    private var position = 0

    public init(schema: RowSchema, rows: [DataRow]) {
        self.schema = schema
        self.rows = rows
    }

    public func next() throws -> DataRow? {
        guard position < rows.count else { return nil }
        defer { position += 1 }
        return rows[position]
    }
}

/// What went wrong while reading, transforming or writing rows. The message is for a person and
/// never carries a credential (connectors redact before they throw).
public struct EngineError: Error, CustomStringConvertible, Sendable {
    public var message: String
    /// The component it happened in, when known (the runner fills it in).
    public var component: String?

    public init(_ message: String, component: String? = nil) {
        self.message = message
        self.component = component
    }

    public var description: String { component.map { "\($0): \(message)" } ?? message }
}
