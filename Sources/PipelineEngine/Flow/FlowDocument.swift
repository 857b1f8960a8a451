import JSON

// data_flow_json, parsed: components (each wrapped in its type's key) and edges between their ids.
//
//   {"components": [{"filter_component": {"id": "filter_1", "name": "paid", "condition": "status = 'paid'"}}, …],
//    "edges": [{"id": "edge_1", "source": "file_source_1", "target": "filter_1"}, …]}
//
// Parsing checks the shape only (known types, known properties with the right JSON types, unique
// ids and names, edges that resolve); FlowValidation checks that the graph can run.

/// One problem, tied to a component (by name) when it is about one.
public struct ComponentIssue: Sendable, Equatable, CustomStringConvertible {
    public var component: String?
    public var message: String

    public init(component: String?, _ message: String) {
        self.component = component
        self.message = message
    }

    public var description: String { component.map { "\($0): \(message)" } ?? message }
}

/// The document is not a well-formed data_flow_json; every problem found is listed.
public struct FlowShapeError: Error, Sendable, CustomStringConvertible {
    public var issues: [ComponentIssue]
    public var description: String { issues.map(\.description).joined(separator: "; ") }
}

public struct FlowComponent: Sendable, Equatable {
    public var id: String
    public var name: String
    public var kind: ComponentKind
    /// Every property as written (including id and name), in document order.
    public var properties: JSONObject

    public var json: JSONValue { .object(JSONObject([(kind.wrapperKey, .object(properties))])) }

    public subscript(_ property: String) -> JSONValue? { properties[property] }

    public func string(_ property: String) -> String? {
        properties[property]?.stringValue ?? kind.spec.property(property)?.defaultValue?.stringValue
    }

    public func bool(_ property: String) -> Bool? { properties[property]?.boolValue ?? kind.spec.property(property)?.defaultValue?.boolValue }

    public func strings(_ property: String) -> [String]? {
        (properties[property] ?? kind.spec.property(property)?.defaultValue)?.arrayValue?.compactMap(\.stringValue)
    }

    public func objects(_ property: String) -> [JSONObject] { properties[property]?.arrayValue?.compactMap(\.objectValue) ?? [] }
}

public struct FlowEdge: Sendable, Equatable {
    public var id: String
    public var source: String
    public var target: String
    /// For components with named inputs (a join's "left"/"right").
    public var port: String?

    public var json: JSONValue {
        var object = JSONObject([("id", .string(id)), ("source", .string(source)), ("target", .string(target))])
        if let port { object["port"] = .string(port) }
        return .object(object)
    }
}

public struct FlowDocument: Sendable, Equatable {
    public var components: [FlowComponent]
    public var edges: [FlowEdge]

    public init(components: [FlowComponent] = [], edges: [FlowEdge] = []) {
        self.components = components
        self.edges = edges
    }

    public var json: JSONValue {
        .object(JSONObject([("components", .array(components.map(\.json))), ("edges", .array(edges.map(\.json)))]))
    }

    public func component(id: String) -> FlowComponent? { components.first { $0.id == id } }
    public func component(named name: String) -> FlowComponent? { components.first { $0.name == name } }

    /// Parses {"components": […], "edges": […]}; missing ids are generated.
    public static func parse(_ json: JSONValue) throws(FlowShapeError) -> FlowDocument {
        guard let object = json.objectValue else { throw FlowShapeError(issues: [ComponentIssue(component: nil, "data_flow_json must be an object with components and edges")]) }
        for key in object.keys where key != "components" && key != "edges" {
            throw FlowShapeError(issues: [ComponentIssue(component: nil, "data_flow_json has an unknown member \"\(key)\" (only components and edges)")])
        }
        var document = FlowDocument()
        var issues: [ComponentIssue] = []
        let components = object["components"]?.arrayValue ?? []
        if object["components"] != nil && object["components"]?.arrayValue == nil { issues.append(ComponentIssue(component: nil, "components must be an array")) }
        for (index, wrapped) in components.enumerated() {
            switch FlowDocument.parseComponent(wrapped, index: index) {
            case .success(let component): document.components.append(component)
            case .failure(let problems): issues += problems.issues
            }
        }
        document.assignMissingIDs()
        issues += document.duplicateIssues()
        let edges = object["edges"]?.arrayValue ?? []
        if object["edges"] != nil && object["edges"]?.arrayValue == nil { issues.append(ComponentIssue(component: nil, "edges must be an array")) }
        do { document.edges = try document.parseEdges(edges) } catch { issues += error.issues }
        guard issues.isEmpty else { throw FlowShapeError(issues: issues) }
        return document
    }

    /// One wrapped component: {"<type>_component": {properties}}.
    public static func parseComponent(_ wrapped: JSONValue, index: Int) -> Result<FlowComponent, FlowShapeError> {
        let label = "component #\(index + 1)"
        guard let wrapper = wrapped.objectValue, wrapper.count == 1, let (key, body) = wrapper.members.first else {
            return .failure(FlowShapeError(issues: [ComponentIssue(component: label, "must be an object with one member, the component type's wrapper key (e.g. {\"filter_component\": {…}})")]))
        }
        guard let kind = ComponentKind(wrapperKey: key) else {
            return .failure(FlowShapeError(issues: [ComponentIssue(component: label, "unknown component type \"\(key)\"; list_component_types lists them")]))
        }
        guard let properties = body.objectValue else {
            return .failure(FlowShapeError(issues: [ComponentIssue(component: label, "\(key) must hold an object of properties")]))
        }
        guard let name = properties["name"]?.stringValue, !name.isEmpty else {
            return .failure(FlowShapeError(issues: [ComponentIssue(component: label, "\(key) needs a non-empty \"name\" (tools find components by name)")]))
        }
        let problems = PropertyCheck.check(properties, against: ComponentCatalog.commonProperties + kind.spec.properties, kind: kind)
        guard problems.isEmpty else { return .failure(FlowShapeError(issues: problems.map { ComponentIssue(component: name, $0) })) }
        let id = properties["id"]?.stringValue ?? ""
        return .success(FlowComponent(id: id, name: name, kind: kind, properties: properties))
    }

    /// Ids look like "<type>_<n>" with the lowest free n, so generated ids are stable and readable.
    mutating func assignMissingIDs() {
        var taken = Set(components.map(\.id).filter { !$0.isEmpty })
        for index in components.indices where components[index].id.isEmpty {
            var n = 1
            while taken.contains("\(components[index].kind.rawValue)_\(n)") { n += 1 }
            let id = "\(components[index].kind.rawValue)_\(n)"
            taken.insert(id)
            components[index].id = id
            components[index].properties["id"] = .string(id)
            // Keep id first, as written by people.
            if let position = components[index].properties.members.firstIndex(where: { $0.key == "id" }), position != 0 {
                let member = components[index].properties.members.remove(at: position)
                components[index].properties.members.insert(member, at: 0)
            }
        }
    }

    func duplicateIssues() -> [ComponentIssue] {
        var issues: [ComponentIssue] = []
        var ids = Set<String>(), names = Set<String>()
        for component in components {
            if !ids.insert(component.id).inserted { issues.append(ComponentIssue(component: component.name, "id \"\(component.id)\" is used by another component")) }
            if !names.insert(component.name).inserted { issues.append(ComponentIssue(component: component.name, "another component has the same name")) }
        }
        return issues
    }

    /// Every edge must name existing component ids; edge ids are generated when omitted.
    public func parseEdges(_ values: [JSONValue]) throws(FlowShapeError) -> [FlowEdge] {
        var issues: [ComponentIssue] = []
        var edges: [FlowEdge] = []
        let ids = Set(components.map(\.id))
        for (index, value) in values.enumerated() {
            let label = "edge #\(index + 1)"
            guard let object = value.objectValue else { issues.append(ComponentIssue(component: nil, "\(label) must be an object {source, target}")); continue }
            for key in object.keys where !["id", "source", "target", "port"].contains(key) {
                issues.append(ComponentIssue(component: nil, "\(label) has an unknown member \"\(key)\" (id, source, target, port)"))
            }
            guard let source = object["source"]?.stringValue, let target = object["target"]?.stringValue else {
                issues.append(ComponentIssue(component: nil, "\(label) needs string source and target (component ids)")); continue
            }
            for (end, id) in [("source", source), ("target", target)] where !ids.contains(id) {
                issues.append(ComponentIssue(component: nil, "\(label) \(end) \"\(id)\" is not a component id in this package"))
            }
            if object["port"] != nil && object["port"]?.stringValue == nil { issues.append(ComponentIssue(component: nil, "\(label) port must be a string")) }
            edges.append(FlowEdge(id: object["id"]?.stringValue ?? "", source: source, target: target, port: object["port"]?.stringValue))
        }
        var taken = Set(edges.map(\.id).filter { !$0.isEmpty })
        var next = 1
        for index in edges.indices where edges[index].id.isEmpty {
            while taken.contains("edge_\(next)") { next += 1 }
            edges[index].id = "edge_\(next)"
            taken.insert(edges[index].id)
        }
        if Set(edges.map(\.id)).count != edges.count { issues.append(ComponentIssue(component: nil, "two edges share an id")) }
        guard issues.isEmpty else { throw FlowShapeError(issues: issues) }
        return edges
    }
}

/// Checks property values against their specs: unknown names, JSON types, choices, nested lists.
enum PropertyCheck {
    static func check(_ properties: JSONObject, against specs: [PropertySpec], kind: ComponentKind?) -> [String] {
        var problems: [String] = []
        for (key, value) in properties.members {
            guard let spec = specs.first(where: { $0.name == key }) else {
                let allowed = specs.map(\.name).joined(separator: ", ")
                problems.append("unknown property \"\(key)\"" + (kind.map { " for \($0.wrapperKey)" } ?? "") + " (allowed: \(allowed))")
                continue
            }
            if let problem = check(value, spec) { problems.append(problem) }
        }
        return problems
    }

    static func check(_ value: JSONValue, _ spec: PropertySpec) -> String? {
        if value.isNull { return spec.required ? "\(spec.name) may not be null" : nil }
        switch spec.kind {
        case .string, .expression:
            return value.stringValue == nil ? "\(spec.name) must be a string" : nil
        case .character:
            guard let s = value.stringValue else { return "\(spec.name) must be a string of one character" }
            return s.isEmpty || s == "\\t" || (s.utf8.count == 1 && s.utf8.first! < 0x80) ? nil : "\(spec.name) must be one ASCII character (or \"\\t\")"
        case .integer(let min, let max):
            guard let i = value.intValue else { return "\(spec.name) must be an integer" }
            return i < min || i > max ? "\(spec.name) must be between \(min) and \(max)" : nil
        case .boolean:
            return value.boolValue == nil ? "\(spec.name) must be true or false" : nil
        case .choice(let options):
            guard let s = value.stringValue, options.contains(s) else { return "\(spec.name) must be one of: " + options.joined(separator: ", ") }
            return nil
        case .stringList:
            guard let items = value.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else { return "\(spec.name) must be an array of strings" }
            return nil
        case .objectList(let memberSpecs):
            guard let items = value.arrayValue else { return "\(spec.name) must be an array of objects" }
            for (index, item) in items.enumerated() {
                guard let object = item.objectValue else { return "\(spec.name)[\(index)] must be an object" }
                if let problem = check(object, against: memberSpecs, kind: nil).first { return "\(spec.name)[\(index)]: \(problem)" }
                for member in memberSpecs where member.required && object[member.name] == nil {
                    return "\(spec.name)[\(index)] is missing \(member.name)"
                }
            }
            return nil
        case .schema:
            guard let fields = value["fields"]?.arrayValue, value.objectValue?.count == 1 else { return "\(spec.name) must be {\"fields\": [{\"name\", \"type\"}, …]}" }
            for (index, field) in fields.enumerated() {
                guard field["name"]?.stringValue != nil else { return "\(spec.name).fields[\(index)] needs a name" }
                if let type = field["type"], type.stringValue.flatMap(FieldType.init(rawValue:)) == nil {
                    return "\(spec.name).fields[\(index)].type must be one of: " + FieldType.allCases.map(\.rawValue).joined(separator: ", ")
                }
            }
            return nil
        }
    }
}
