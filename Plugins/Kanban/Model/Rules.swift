import Foundation
import ToolsetKit

/// Input checks shared by the tools and the operator commands, so an agent and a human are held
/// to the same limits and read the same error texts.
enum Rules {
    /// A required text: not blank, at most `max` characters, without surrounding whitespace.
    static func text(_ value: String, _ field: String, max: Int) throws(ToolError) -> String {
        try TextRules.required(value, field, max: max, trimmed: true)
    }

    /// Labels: trimmed, blank ones dropped, repeats (ignoring case) dropped, at most 20 of at most 50 characters.
    static func labels(_ values: [String]) throws(ToolError) -> [String] {
        var seen = Set<String>()
        var labels: [String] = []
        for value in values {
            let label = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !label.isEmpty else { continue }
            guard label.count <= Limits.label else {
                throw ToolError("label \"\(preview(label, 20))\" is \(label.count) characters long; the limit is \(Limits.label)")
            }
            if seen.insert(label.lowercased()).inserted { labels.append(label) }
        }
        guard labels.count <= Limits.labels else { throw ToolError("\(labels.count) labels given; the limit is \(Limits.labels)") }
        return labels
    }

    /// A comma-separated label list from the command line ("" clears).
    static func labelList(_ value: String) throws(ToolError) -> [String] {
        try labels(value.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
    }

    static func due(_ value: String, _ field: String) throws(ToolError) -> Due {
        guard let due = Due(value.trimmingCharacters(in: .whitespaces)) else {
            throw ToolError("\"\(field)\" must be a date (2026-12-24) or an RFC 3339 time (2026-12-24T17:00:00Z); got \"\(preview(value, 40))\"")
        }
        return due
    }

    static func position(_ value: Int, max: Int) throws(ToolError) -> Int {
        guard (1...max).contains(value) else {
            throw ToolError("\"position\" must be between 1 and \(max) (1 is the top of the column, \(max) its end); got \(value)")
        }
        return value
    }

    /// A project's slug from its name: lower-case ASCII letters and digits, other runs become one dash.
    static func slug(fromName name: String) throws(ToolError) -> String {
        var slug = ""
        for character in name.lowercased() {
            if character.isASCII, character.isLetter || character.isNumber {
                slug.append(character)
            } else if !slug.isEmpty, slug.last != "-" {
                slug.append("-")
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        slug = String(slug.prefix(Limits.slug))
        while slug.hasSuffix("-") { slug.removeLast() }
        guard !slug.isEmpty else { throw ToolError("a project name needs at least one ASCII letter or digit (its id is made from them)") }
        return slug
    }

    /// A column name: not blank, no comma (`--columns` is comma-separated), at most 50 characters.
    static func columnName(_ value: String) throws(ToolError) -> String {
        let name = try text(value, "column", max: Limits.columnName)
        guard !name.contains(",") else { throw ToolError("column names cannot contain a comma: \"\(name)\"") }
        return name
    }
}
