// The graph checks of validate_package: required properties, inputs per component, ports,
// cycles, fan-out and destinations. Schema and expression checks follow in FlowCompiler.

public struct FlowGraph: Sendable {
    public let document: FlowDocument
    /// Edges into each component id, in document order.
    public let incoming: [String: [FlowEdge]]
    public let outgoing: [String: [FlowEdge]]

    public init(_ document: FlowDocument) {
        self.document = document
        incoming = Dictionary(grouping: document.edges, by: \.target)
        outgoing = Dictionary(grouping: document.edges, by: \.source)
    }

    public var destinations: [FlowComponent] { document.components.filter { $0.kind.spec.category == .destination } }

    /// The input edge of a one-input component, or the edge on a named port.
    func input(of component: FlowComponent, port: String? = nil) -> FlowEdge? {
        (incoming[component.id] ?? []).first { port == nil || $0.port == port }
    }

    public func issues() -> [ComponentIssue] {
        var issues: [ComponentIssue] = []
        if document.components.isEmpty { return [ComponentIssue(component: nil, "the package has no components")] }
        if destinations.isEmpty { issues.append(ComponentIssue(component: nil, "the package has no destination component, so a run would write nothing")) }
        for component in document.components {
            issues += requiredIssues(component).map { ComponentIssue(component: component.name, $0) }
            issues += edgeIssues(component).map { ComponentIssue(component: component.name, $0) }
        }
        if let cycle = firstCycle() { issues.append(ComponentIssue(component: nil, "the edges form a cycle through " + cycle.joined(separator: " → "))) }
        return issues
    }

    private func requiredIssues(_ component: FlowComponent) -> [String] {
        component.kind.spec.properties.filter { $0.required && (component[$0.name] == nil || component[$0.name]!.isNull) }
            .map { "missing required property \"\($0.name)\" (\($0.description))" }
    }

    private func edgeIssues(_ component: FlowComponent) -> [String] {
        let ins = incoming[component.id] ?? []
        let outs = outgoing[component.id] ?? []
        var issues: [String] = []
        let spec = component.kind.spec
        switch spec.inputs {
        case .none where !ins.isEmpty: issues.append("a source takes no inputs, but \(ins.count) edge(s) lead into it")
        case .one where ins.count != 1: issues.append("needs exactly one input, has \(ins.count)")
        case .many where ins.isEmpty: issues.append("needs at least one input")
        case .ports(let ports):
            for port in ports {
                let count = ins.filter { $0.port == port }.count
                if count != 1 { issues.append("needs exactly one edge with \"port\": \"\(port)\", has \(count)") }
            }
            for edge in ins where !ports.contains(edge.port ?? "") {
                issues.append("edge \(edge.id) has port \(edge.port.map { "\"\($0)\"" } ?? "null"); use one of: " + ports.joined(separator: ", "))
            }
        default: break
        }
        if case .ports = spec.inputs {} else {
            for edge in ins where edge.port != nil { issues.append("edge \(edge.id) sets a port, but \(component.kind.wrapperKey) has no named inputs") }
        }
        if spec.category == .destination && !outs.isEmpty { issues.append("a destination has no output, but \(outs.count) edge(s) leave it") }
        if spec.category != .destination {
            if outs.isEmpty { issues.append("its output goes nowhere (connect it to a transformation or destination, or remove it)") }
            if outs.count > 1 { issues.append("its output feeds \(outs.count) components; each component feeds exactly one (use two sources to read the same data twice)") }
        }
        return issues
    }

    /// Component names along a cycle, if there is one.
    func firstCycle() -> [String]? {
        var state: [String: Int] = [:]   // 1 = on the path, 2 = done
        var path: [String] = []
        func visit(_ id: String) -> [String]? {
            if state[id] == 2 { return nil }
            if state[id] == 1 {
                let start = path.firstIndex(of: id)!
                return (path[start...] + [id]).map { document.component(id: $0)?.name ?? $0 }
            }
            state[id] = 1
            path.append(id)
            for edge in outgoing[id] ?? [] { if let cycle = visit(edge.target) { return cycle } }
            path.removeLast()
            state[id] = 2
            return nil
        }
        for component in document.components { if let cycle = visit(component.id) { return cycle } }
        return nil
    }
}
