import Foundation
import JSON

/// `$ref`, `$defs`/`definitions`, `$schema` and `$id`.
///
/// Only references inside the schema document, written as JSON Pointer fragments (`#`,
/// `#/$defs/name`, `#/properties/a~1b`), are resolved. Anything needing a base URI — remote
/// documents, `$id`-relative references, `$anchor` names — is refused rather than guessed at.
extension SchemaCompiler {
    func rootDialect() -> Dialect {
        guard case .string(let uri)? = root["$schema"] else { return .draft2020 }
        return Vocabulary.dialect(of: uri) ?? .draft2020  // an unknown URI is refused by checkSchemaKeyword
    }

    /// `$schema` names the dialect, once, at the root. Other meta-schemas may add or drop
    /// vocabularies, which Toolhost cannot honour.
    func checkSchemaKeyword(_ value: JSONValue, at path: String) throws(SchemaError) {
        guard case .string(let uri) = value else { throw invalid("$schema", path, "\"$schema\" must be a string") }
        guard path.isEmpty else {
            throw unsupported("$schema", path, "\"$schema\" is only supported at the root of the schema")
        }
        guard Vocabulary.dialect(of: uri) != nil else {
            throw unsupported("$schema", path, """
                meta-schema \(value.jsonString) is not supported (supported: draft 2020-12, 2019-09, 07 and 06)
                """)
        }
    }

    /// A root `$id` only names the document and does not change how `#/...` references resolve.
    /// Below the root it would start a new base URI for the `$ref`s inside it.
    func checkIdKeyword(_ value: JSONValue, at path: String) throws(SchemaError) {
        guard case .string = value else { throw invalid("$id", path, "\"$id\" must be a string") }
        guard path.isEmpty else {
            throw unsupported("$id", path, "\"$id\" is only supported at the root; below it, it would change how \"$ref\" resolves")
        }
    }

    mutating func appendReference(_ object: JSONObject, _ path: String, _ checks: inout [Check]) throws(SchemaError) {
        guard let ref = object["$ref"] else { return }
        guard case .string(let target) = ref else { throw invalid("$ref", path, "\"$ref\" must be a string") }
        checks.append(.ref(try resolve(target, at: path)))
    }

    /// Compiles every definition, referenced or not, so that mistakes in them surface when the
    /// plugin loads rather than when a later version starts referencing them.
    mutating func compileDefinitions(_ object: JSONObject, at path: String) throws(SchemaError) {
        for container in ["$defs", "definitions"] {
            guard let defs = object[container] else { continue }
            guard case .object(let members) = defs else {
                throw invalid(container, path, "\"\(container)\" must be an object of schemas")
            }
            for member in members.members {
                let pointer = path + "/" + container + "/" + escapePointer(member.key)
                _ = try resolvePointer(pointer, ref: "#" + pointer, at: path)
            }
        }
    }

    private mutating func resolve(_ ref: String, at path: String) throws(SchemaError) -> Int {
        guard ref.hasPrefix("#") else {
            throw unsupported("$ref", path, """
                \(JSONValue.string(ref).jsonString) is not a local reference; only references within the schema \
                (#/$defs/...) are supported
                """)
        }
        let fragment = String(ref.dropFirst()).removingPercentEncoding ?? String(ref.dropFirst())
        guard fragment.isEmpty || fragment.hasPrefix("/") else {
            throw unsupported("$ref", path, """
                \(JSONValue.string(ref).jsonString) names an anchor; only JSON Pointer references (#/$defs/...) are supported
                """)
        }
        return try resolvePointer(fragment, ref: ref, at: path)
    }

    /// The table index for the schema at `pointer`, compiling it on first use. The index is
    /// reserved before compiling, so a schema that refers to itself gets its own index back.
    private mutating func resolvePointer(_ pointer: String, ref: String, at path: String) throws(SchemaError) -> Int {
        if let index = refIndex[pointer] { return index }
        guard let target = lookUp(pointer) else {
            throw invalid("$ref", path, "\"$ref\" \(JSONValue.string(ref).jsonString) does not resolve to a schema")
        }
        let index = table.count
        table.append(nil)
        refIndex[pointer] = index
        table[index] = try compile(target, at: pointer)
        return index
    }

    /// RFC 6901 evaluation of `pointer` against the root document.
    private func lookUp(_ pointer: String) -> JSONValue? {
        var target = root
        if pointer.isEmpty { return target }
        for rawToken in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let token = rawToken.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch target {
            case .object(let object) where object[token] != nil:
                target = object[token]!
            case .array(let array) where Int(token).map({ $0 >= 0 && $0 < array.count }) == true:
                target = array[Int(token)!]
            default:
                return nil
            }
        }
        return target
    }
}
