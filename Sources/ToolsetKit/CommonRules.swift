import Foundation

/// Checks and helpers every toolset needs in the same words, so "must not be empty" reads the
/// same in every plugin.
public enum TextRules {
    /// A required text: not blank, at most `max` characters; returned as given, or without
    /// surrounding whitespace when `trimmed` (names and titles, where it is never meant).
    public static func required(_ value: String, _ field: String, max: Int, trimmed: Bool = false) throws(ToolError) -> String {
        let text = trimmed ? value.trimmingCharacters(in: .whitespacesAndNewlines) : value
        guard !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ToolError("\"\(field)\" must not be empty") }
        guard text.count <= max else { throw ToolError("\"\(field)\" is \(text.count) characters long; the limit is \(max)") }
        return text
    }

    /// An optional text, trimmed; blank means none.
    public static func optional(_ value: String?, _ field: String, max: Int) throws(ToolError) -> String? {
        guard let value else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count <= max else { throw ToolError("\"\(field)\" is \(trimmed.count) characters long; the limit is \(max)") }
        return trimmed.isEmpty ? nil : trimmed
    }
}

/// The first `length` characters of `text` on one line (newlines become spaces), "…" marking a cut:
/// for tables, events and text results.
public func oneLinePreview(_ text: String, length: Int) -> String {
    let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
    return line.count > length ? String(line.prefix(length - 1)) + "…" : line
}

/// `prefix` + 16 random hex digits (e.g. `cv_0123456789abcdef`). Random, not sequential, so an id
/// says nothing about how many records exist.
public func randomID(_ prefix: String) -> String {
    var generator = SystemRandomNumberGenerator()
    let hex = String(generator.next() as UInt64, radix: 16)
    return prefix + String(repeating: "0", count: 16 - hex.count) + hex
}

extension Schema {
    /// An object schema with a property replaced or added (its required list unchanged).
    public func setting(_ name: String, _ schema: Schema) -> Schema {
        guard case .object(var root) = json, case .object(var properties)? = root["properties"] else { return self }
        properties[name] = schema.json
        root["properties"] = .object(properties)
        return Schema(.object(root))
    }

    /// An object schema with one more required property.
    public func adding(_ name: String, _ schema: Schema) -> Schema {
        guard case .object(var root) = setting(name, schema).json else { return self }
        if case .array(let required)? = root["required"] { root["required"] = .array(required + [.string(name)]) }
        return Schema(.object(root))
    }
}
