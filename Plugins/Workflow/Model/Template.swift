import JSON
import ToolsetKit

/// {{inputs.title}} and {{steps.card.output.id}} in a step's strings. A string that is one
/// placeholder and nothing else becomes the value it names (a number stays a number); anywhere
/// else the value is written into the text (strings as they are, other values as JSON).
enum Template {
    /// Replaces every placeholder in `value` from `context` ({"inputs": …, "steps": {name: {"output": …}}}).
    static func fill(_ value: JSONValue, _ context: JSONValue, step: String) throws(ToolError) -> JSONValue {
        switch value {
        case .string(let text): return try fill(text, context, step: step)
        case .array(let items):
            var filled: [JSONValue] = []
            for item in items { filled.append(try fill(item, context, step: step)) }
            return .array(filled)
        case .object(let object):
            var filled = JSONObject()
            for (key, item) in object.members { filled[key] = try fill(item, context, step: step) }
            return .object(filled)
        default: return value
        }
    }

    private static func fill(_ text: String, _ context: JSONValue, step: String) throws(ToolError) -> JSONValue {
        let pieces = split(text)
        if pieces.count == 1, case .placeholder(let path) = pieces[0] { return try lookup(path, context, step: step) }
        var out = ""
        for piece in pieces {
            switch piece {
            case .text(let literal): out += literal
            case .placeholder(let path):
                let value = try lookup(path, context, step: step)
                out += value.stringValue ?? value.jsonString
            }
        }
        return .string(out)
    }

    private enum Piece { case text(String), placeholder(String) }

    private static func split(_ text: String) -> [Piece] {
        var pieces: [Piece] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            if open.lowerBound > rest.startIndex { pieces.append(.text(String(rest[..<open.lowerBound]))) }
            pieces.append(.placeholder(rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty || pieces.isEmpty { pieces.append(.text(String(rest))) }
        return pieces
    }

    private static func lookup(_ path: String, _ context: JSONValue, step: String) throws(ToolError) -> JSONValue {
        var value = context
        var walked: [String] = []
        for key in path.split(separator: ".").map(String.init) {
            if let index = Int(key), let array = value.arrayValue {
                guard array.indices.contains(index) else { throw ToolError("{{\(path)}} names nothing (\(walked.joined(separator: ".")) has \(array.count) items)") }
                value = array[index]
            } else if let next = value.objectValue?[key] {
                value = next
            } else {
                let has = value.objectValue?.keys.joined(separator: ", ") ?? "no fields"
                throw ToolError("{{\(path)}} names nothing (\(walked.isEmpty ? "the run" : walked.joined(separator: ".")) has: \(has.isEmpty ? "no fields" : has))")
            }
            walked.append(key)
        }
        return value
    }

    /// `text` with every placeholder replaced by `stand_in`: to check the shape of a templated URL.
    static func withPlaceholdersAs(_ standIn: String, in text: String) -> String {
        split(text).map { piece in
            switch piece {
            case .text(let literal): return literal
            case .placeholder: return standIn
            }
        }.joined()
    }

    /// The step names `{{steps.NAME…}}` placeholders refer to.
    static func stepReferences(in values: [JSONValue]) -> [String] {
        var names: [String] = []
        func visit(_ value: JSONValue) {
            switch value {
            case .string(let text):
                for case .placeholder(let path) in split(text) where path.hasPrefix("steps.") {
                    names.append(String(path.dropFirst(6).prefix { $0 != "." }))
                }
            case .array(let items): items.forEach(visit)
            case .object(let object): object.members.forEach { visit($0.value) }
            default: break
            }
        }
        values.forEach(visit)
        return names
    }
}
