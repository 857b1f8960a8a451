import Foundation
import JSON
import PipelineEngine
import ToolsetKit

// The package edits agents make, as pure functions on a FlowDocument: each either returns the
// whole new document or throws naming every problem, so a tool writes all of an edit or none.

enum PackageEdits {
    /// create_package / add_package_components: components and edges in data_flow_json form.
    static func parse(components: [JSONValue], edges: [JSONValue]) throws(ToolError) -> FlowDocument {
        try checkSize(components: components.count, edges: edges.count)
        do {
            return try FlowDocument.parse(.object(JSONObject([("components", .array(components)), ("edges", .array(edges))])))
        } catch {
            throw ToolError("The package was not changed: " + error.description)
        }
    }

    static func checkSize(components: Int, edges: Int) throws(ToolError) {
        guard components <= Limits.componentsPerPackage else { throw ToolError("A package holds at most \(Limits.componentsPerPackage) components") }
        guard edges <= Limits.edgesPerPackage else { throw ToolError("A package holds at most \(Limits.edgesPerPackage) edges") }
    }

    /// add_package_components: the new components (ids generated when omitted, distinct from the
    /// package's) and optional new edges, which may connect old and new components.
    static func add(_ document: FlowDocument, components: [JSONValue], edges: [JSONValue]) throws(ToolError) -> FlowDocument {
        let combined = document.components.map(\.json) + components
        return try parse(components: combined, edges: document.edges.map(\.json) + edges)
    }

    /// update_package_components: each update deep-merges into the named component's properties
    /// (objects merge member by member, anything else replaces, null removes). Unknown names, a
    /// changed id or an invalid result reject the whole call.
    static func update(_ document: FlowDocument, _ updates: [(name: String, updates: JSONObject)]) throws(ToolError) -> FlowDocument {
        let unknown = updates.map(\.name).filter { document.component(named: $0) == nil }
        guard unknown.isEmpty else {
            throw ToolError("No component named " + unknown.map { "\"\($0)\"" }.joined(separator: ", ") + " in this package (it has: "
                + document.components.map(\.name).joined(separator: ", ") + "); nothing was changed")
        }
        var components = document.components
        for (name, patch) in updates {
            let index = components.firstIndex { $0.name == name }!
            if let id = patch["id"], id.stringValue != components[index].id {
                throw ToolError("\(name): a component's id cannot change (edges refer to it); nothing was changed")
            }
            components[index].properties = merge(components[index].properties, patch)
        }
        return try parse(components: components.map(\.json), edges: document.edges.map(\.json))
    }

    static func merge(_ base: JSONObject, _ patch: JSONObject) -> JSONObject {
        var result = base
        for (key, value) in patch.members {
            switch (result[key], value) {
            case (_, .null): result[key] = nil
            case (.object(let old)?, .object(let new)): result[key] = .object(merge(old, new))
            default: result[key] = value
            }
        }
        return result
    }

    /// update_package_edges: replaces every edge; each must resolve to a component id of the package.
    static func replaceEdges(_ document: FlowDocument, with edges: [JSONValue]) throws(ToolError) -> FlowDocument {
        try checkSize(components: document.components.count, edges: edges.count)
        var result = document
        do { result.edges = try document.parseEdges(edges) } catch {
            throw ToolError("The edges were not changed: " + error.description)
        }
        return result
    }

    /// remove_package_components: drops the named components and every edge touching them.
    static func remove(_ document: FlowDocument, names: [String]) throws(ToolError) -> FlowDocument {
        guard !names.isEmpty else { throw ToolError("\"component_names\" must name at least one component") }
        let unknown = names.filter { document.component(named: $0) == nil }
        guard unknown.isEmpty else {
            throw ToolError("No component named " + unknown.map { "\"\($0)\"" }.joined(separator: ", ") + " in this package (it has: "
                + document.components.map(\.name).joined(separator: ", ") + "); nothing was removed")
        }
        let removedIDs = Set(document.components.filter { names.contains($0.name) }.map(\.id))
        var result = document
        result.components.removeAll { removedIDs.contains($0.id) }
        result.edges.removeAll { removedIDs.contains($0.source) || removedIDs.contains($0.target) }
        return result
    }

    /// manage_package_variables: set (name → default) and remove (names); unknown names to remove reject the call.
    static func variables(_ current: JSONObject, set: JSONObject?, remove: [String]) throws(ToolError) -> JSONObject {
        var result = current
        let unknown = remove.filter { current[$0] == nil && set?[$0] == nil }
        guard unknown.isEmpty else {
            throw ToolError("No variable named " + unknown.map { "\"\($0)\"" }.joined(separator: ", ") + " (the package has: "
                + (current.keys.isEmpty ? "none" : current.keys.joined(separator: ", ")) + "); nothing was changed")
        }
        for name in remove { result[name] = nil }
        for (name, value) in set?.members ?? [] {
            guard VariableRules.isName(name) else { throw ToolError("Variable name \"\(oneLinePreview(name, length: 60))\" must be letters, digits and _, starting with a letter or _") }
            switch value {
            case .string(let s) where s.count <= Limits.variableValueLength: break
            case .int, .double, .bool: break
            default: throw ToolError("Variable \(name): a default is a string (at most \(Limits.variableValueLength) characters), number or boolean")
            }
            result[name] = value
        }
        guard result.count <= Limits.variablesPerPackage else { throw ToolError("A package has at most \(Limits.variablesPerPackage) variables") }
        return result
    }
}

enum VariableRules {
    static func isName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.count <= 64 else { return false }
        let letters = CharacterSet.letters
        return (first == "_" || (first.isASCII && letters.contains(first)))
            && name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && (letters.contains($0) || ("0"..."9").contains($0))) }
    }

    /// Run variables: the package's defaults overridden by the run's, as engine values.
    static func values(defaults: JSONObject, overrides: JSONObject) -> [String: PipelineEngine.Value] {
        var values: [String: PipelineEngine.Value] = [:]
        for (name, value) in defaults.members + overrides.members { values[name] = value.engineValue }
        return values
    }
}

extension JSONValue {
    var engineValue: PipelineEngine.Value {
        switch self {
        case .null: .null
        case .bool(let b): .bool(b)
        case .int(let i): .int(i)
        case .double(let d): .double(d)
        case .string(let s): .text(s)
        default: .text(jsonString)
        }
    }
}

extension Value {
    var json: JSONValue {
        switch self {
        case .null: .null
        case .bool(let b): .bool(b)
        case .int(let i): .int(i)
        case .double(let d): d.isFinite ? .double(d) : .string(String(d))
        case .text(let s): .string(s)
        }
    }
}
