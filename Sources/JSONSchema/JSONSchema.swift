// TEMPORARY STUB — replaced by the real validator from branch helper-json.
import JSON
public struct SchemaError: Error, CustomStringConvertible { public let message: String; public var description: String { message } }
public struct ValidationFailure: Sendable, Equatable { public let path: String; public let message: String }
public final class CompiledSchema: Sendable {
    public static func compile(_ schema: JSONValue) throws(SchemaError) -> CompiledSchema { CompiledSchema() }
    public func validate(_ value: JSONValue) -> [ValidationFailure] { [] }
}
