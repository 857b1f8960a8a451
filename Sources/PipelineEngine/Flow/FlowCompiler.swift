import JSON

// Turns a parsed, graph-checked package into output schemas (for validate_package) and row
// streams (for a run). Both go through the same code, so what validates is what runs.

public final class FlowCompiler {
    public let graph: FlowGraph
    let variables: [String: Value]
    let connections: ConnectionResolver
    let limits: EngineLimits
    private var schemas: [String: Result<RowSchema, ComponentIssue>] = [:]

    public init(_ document: FlowDocument, variables: [String: Value], connections: ConnectionResolver, limits: EngineLimits = EngineLimits()) {
        graph = FlowGraph(document)
        self.variables = variables
        self.connections = connections
        self.limits = limits
    }

    /// Schema and expression problems of every component. A component whose input already failed
    /// is not reported again (its own problem would only echo the upstream one).
    public func schemaIssues() -> [ComponentIssue] {
        var issues: [ComponentIssue] = []
        for component in graph.document.components {
            if case .failure(let issue) = schema(of: component), issue.component == component.name { issues.append(issue) }
            if component.kind.spec.category == .destination, case .failure(let issue) = destinationCheck(component) { issues.append(issue) }
        }
        return issues
    }

    /// The output schema of a component (for a destination: the schema it writes).
    public func schema(of component: FlowComponent) -> Result<RowSchema, ComponentIssue> {
        if let known = schemas[component.id] { return known }
        schemas[component.id] = .failure(ComponentIssue(component: component.name, "is part of a cycle"))
        let result: Result<RowSchema, ComponentIssue>
        do {
            result = .success(try outputSchema(component))
        } catch let issue as ComponentIssue {
            result = .failure(issue)
        } catch {
            result = .failure(ComponentIssue(component: component.name, FlowCompiler.describe(error)))
        }
        schemas[component.id] = result
        return result
    }

    static func describe(_ error: Error) -> String {
        if let error = error as? EngineError { return error.message }
        if let error = error as? ExpressionError { return error.message }
        return String(describing: error)
    }

    // MARK: - Schemas

    private func inputSchema(_ component: FlowComponent, port: String? = nil) throws -> RowSchema {
        guard let edge = graph.input(of: component, port: port), let upstream = graph.document.component(id: edge.source) else {
            throw ComponentIssue(component: component.name, "has no input" + (port.map { " on port \($0)" } ?? ""))
        }
        switch schema(of: upstream) {
        case .success(let schema): return schema
        case .failure(let issue): throw ComponentIssue(component: issue.component ?? upstream.name, issue.message)
        }
    }

    private func fail(_ component: FlowComponent, _ message: String) -> ComponentIssue { ComponentIssue(component: component.name, message) }

    private func column(_ name: String, in schema: RowSchema, _ component: FlowComponent, role: String) throws -> Int {
        guard let index = schema.index(of: name) else {
            throw fail(component, "\(role) \"\(name)\" is not a field of its input (fields: \(schema.names.joined(separator: ", ")))")
        }
        return index
    }

    private func bind(_ text: String, _ schema: RowSchema, _ component: FlowComponent, role: String) throws -> BoundExpression {
        do {
            return try Expression.parse(text).bind(to: schema, variables: variables)
        } catch {
            throw fail(component, "\(role) \"\(text.prefix(200))\": \(error.message)")
        }
    }

    private func outputSchema(_ component: FlowComponent) throws -> RowSchema {
        switch component.kind {
        case .databaseSource:
            return try DatabaseSourcePlan(component, connections: connections).schema()
        case .fileSource:
            return try FileSourcePlan(component, connections: connections).schema()
        case .select:
            let input = try inputSchema(component)
            return SelectStream.outputSchema(try selectFields(component, input))
        case .filter:
            let input = try inputSchema(component)
            let condition = try bind(component.string("condition") ?? "", input, component, role: "condition")
            if let type = condition.resultType, type != .boolean { throw fail(component, "condition must be true or false, but it is \(type.rawValue)") }
            return input
        case .sort:
            let input = try inputSchema(component)
            _ = try sortKeys(component, input)
            return input
        case .aggregate:
            return try aggregatePlan(component, try inputSchema(component)).schema
        case .join:
            return try joinPlan(component).schema
        case .union:
            let inputs = try (graph.incoming[component.id] ?? []).map { edge in
                try inputSchema(component, port: nil, edge: edge)
            }
            switch UnionStream.unify(inputs) {
            case .success(let schema): return schema
            case .failure(let error): throw fail(component, error.message)
            }
        case .distinct:
            let input = try inputSchema(component)
            for name in component.strings("fields") ?? [] { _ = try column(name, in: input, component, role: "field") }
            return input
        case .limit:
            return try inputSchema(component)
        case .rename:
            return try renamePlan(component, try inputSchema(component)).schema
        case .databaseDestination, .fileDestination:
            return try inputSchema(component)
        }
    }

    private func inputSchema(_ component: FlowComponent, port: String?, edge: FlowEdge) throws -> RowSchema {
        guard let upstream = graph.document.component(id: edge.source) else { throw fail(component, "edge \(edge.id) has no source") }
        switch schema(of: upstream) {
        case .success(let schema): return schema
        case .failure(let issue): throw issue
        }
    }

    private func selectFields(_ component: FlowComponent, _ input: RowSchema) throws -> [(name: String, expression: BoundExpression)] {
        let fields = component.objects("fields")
        guard !fields.isEmpty else { throw fail(component, "fields must list at least one output field") }
        var seen = Set<String>()
        return try fields.map { field in
            let name = field["name"]?.stringValue ?? ""
            guard seen.insert(name).inserted else { throw fail(component, "output field \"\(name)\" is listed twice") }
            return (name, try bind(field["expression"]?.stringValue ?? "", input, component, role: "expression for \(name)"))
        }
    }

    private func sortKeys(_ component: FlowComponent, _ input: RowSchema) throws -> [SortStream.Key] {
        let keys = component.objects("keys")
        guard !keys.isEmpty else { throw fail(component, "keys must list at least one field") }
        return try keys.map { key in
            SortStream.Key(column: try column(key["field"]?.stringValue ?? "", in: input, component, role: "sort field"),
                           descending: key["direction"]?.stringValue == "desc")
        }
    }

    struct AggregatePlan {
        let groupColumns: [Int]
        let specs: [AggregateStream.Spec]
        let schema: RowSchema
    }

    private func aggregatePlan(_ component: FlowComponent, _ input: RowSchema) throws -> AggregatePlan {
        let groupColumns = try (component.strings("group_by") ?? []).map { try column($0, in: input, component, role: "group_by field") }
        var fields = groupColumns.map { input.fields[$0] }
        var specs: [AggregateStream.Spec] = []
        let aggregates = component.objects("aggregates")
        guard !aggregates.isEmpty else { throw fail(component, "aggregates must list at least one aggregate") }
        for aggregate in aggregates {
            let name = aggregate["name"]?.stringValue ?? ""
            let function = AggregateFunction(rawValue: aggregate["function"]?.stringValue ?? "") ?? .count
            let columnIndex = try aggregate["field"]?.stringValue.map { try column($0, in: input, component, role: "\(name)'s field") }
            if columnIndex == nil && function != .count { throw fail(component, "aggregate \(name): \(function.rawValue) needs a field") }
            let inputType = columnIndex.map { input.fields[$0].type }
            if (function == .sum || function == .avg), let inputType, inputType != .integer, inputType != .number {
                throw fail(component, "aggregate \(name): \(function.rawValue) needs a numeric field, but \(aggregate["field"]?.stringValue ?? "") is \(inputType.rawValue)")
            }
            guard !fields.contains(where: { $0.name == name }) else { throw fail(component, "output field \"\(name)\" is used twice") }
            fields.append(Field(name, AggregateStream.resultType(function, input: inputType)))
            specs.append(AggregateStream.Spec(function: function, column: columnIndex, inputType: inputType))
        }
        return AggregatePlan(groupColumns: groupColumns, specs: specs, schema: RowSchema(fields))
    }

    struct JoinPlan {
        let leftKeys: [Int]
        let rightKeys: [Int]
        let rightOutput: [Int]
        let schema: RowSchema
    }

    private func joinPlan(_ component: FlowComponent) throws -> JoinPlan {
        let left = try inputSchema(component, port: "left")
        let right = try inputSchema(component, port: "right")
        let leftNames = component.strings("left_keys") ?? []
        let rightNames = component.strings("right_keys") ?? []
        guard !leftNames.isEmpty, leftNames.count == rightNames.count else {
            throw fail(component, "left_keys and right_keys must list the same, non-zero number of fields")
        }
        let leftKeys = try leftNames.map { try column($0, in: left, component, role: "left key") }
        let rightKeys = try rightNames.map { try column($0, in: right, component, role: "right key") }
        let prefix = component.string("right_prefix") ?? ""
        let rightOutput = right.fields.indices.filter { !rightKeys.contains($0) }
        var fields = left.fields
        for index in rightOutput {
            let name = prefix + right.fields[index].name
            guard !fields.contains(where: { $0.name == name }) else {
                throw fail(component, "both inputs have a field \"\(name)\"; set right_prefix (e.g. \"\(graph.document.component(id: graph.input(of: component, port: "right")!.source)!.name)_\") or rename one")
            }
            fields.append(Field(name, right.fields[index].type))
        }
        return JoinPlan(leftKeys: leftKeys, rightKeys: rightKeys, rightOutput: rightOutput, schema: RowSchema(fields))
    }

    struct RenamePlan {
        let schema: RowSchema
        let casts: [FieldType?]
    }

    private func renamePlan(_ component: FlowComponent, _ input: RowSchema) throws -> RenamePlan {
        var fields = input.fields
        var casts = [FieldType?](repeating: nil, count: fields.count)
        for entry in component.objects("fields") {
            let index = try column(entry["from"]?.stringValue ?? "", in: input, component, role: "field")
            if let to = entry["to"]?.stringValue { fields[index].name = to }
            if let type = entry["type"]?.stringValue.flatMap(FieldType.init(rawValue:)) {
                fields[index].type = type
                casts[index] = type
            }
        }
        if Set(fields.map(\.name)).count != fields.count { throw fail(component, "two fields would have the same name after renaming") }
        return RenamePlan(schema: RowSchema(fields), casts: casts)
    }

    /// Where a destination writes must exist and be the right kind, whatever its input's state;
    /// upsert keys are checked when the input's fields are known.
    private func destinationCheck(_ component: FlowComponent) -> Result<Void, ComponentIssue> {
        do {
            switch component.kind {
            case .databaseDestination:
                guard case .database = try connections.resolve(component.string("connection_id") ?? "") else {
                    return .failure(fail(component, "connection \(component.string("connection_id") ?? "") is not a database connection"))
                }
            case .fileDestination:
                _ = try FileDestinationPlan(component, connections: connections).resolvedPath()
            default: break
            }
        } catch let issue as ComponentIssue {
            return .failure(issue)
        } catch {
            return .failure(fail(component, FlowCompiler.describe(error)))
        }
        guard case .success(let schema) = schema(of: component) else { return .success(()) }
        if component.kind == .databaseDestination, component.string("mode") == "upsert" {
            let keys = component.strings("key_fields") ?? []
            if keys.isEmpty { return .failure(fail(component, "mode upsert needs key_fields")) }
            for key in keys where schema.index(of: key) == nil {
                return .failure(fail(component, "key field \"\(key)\" is not a field of its input (fields: \(schema.names.joined(separator: ", ")))"))
            }
        }
        return .success(())
    }

    // MARK: - Streams

    /// The stream a component produces, each component wrapped to count its rows and to name
    /// itself in any error that surfaces from it.
    func stream(of component: FlowComponent, counters: [String: RowCounter], isCancelled: @escaping () -> Bool) throws -> RowStream {
        let raw = try rawStream(of: component, counters: counters, isCancelled: isCancelled)
        return ComponentStream(raw, component: component.name, counter: counters[component.id]!, isCancelled: isCancelled)
    }

    private func upstream(_ component: FlowComponent, port: String? = nil, counters: [String: RowCounter], isCancelled: @escaping () -> Bool) throws -> RowStream {
        guard let edge = graph.input(of: component, port: port), let source = graph.document.component(id: edge.source) else {
            throw EngineError("has no input", component: component.name)
        }
        return try stream(of: source, counters: counters, isCancelled: isCancelled)
    }

    private func rawStream(of component: FlowComponent, counters: [String: RowCounter], isCancelled: @escaping () -> Bool) throws -> RowStream {
        let input = { (port: String?) in try self.upstream(component, port: port, counters: counters, isCancelled: isCancelled) }
        switch component.kind {
        case .databaseSource:
            return try DatabaseSourcePlan(component, connections: connections).open(timeLimit: limits.sourceQuerySeconds)
        case .fileSource:
            return try FileSourcePlan(component, connections: connections).open()
        case .select:
            let stream = try input(nil)
            return SelectStream(stream, fields: try selectFields(component, stream.schema))
        case .filter:
            let stream = try input(nil)
            return FilterStream(stream, condition: try bind(component.string("condition") ?? "", stream.schema, component, role: "condition"))
        case .sort:
            let stream = try input(nil)
            return SortStream(stream, keys: try sortKeys(component, stream.schema), rowsInMemory: limits.sortRowsInMemory, spillDirectory: limits.spillDirectory)
        case .aggregate:
            let stream = try input(nil)
            let plan = try aggregatePlan(component, stream.schema)
            return AggregateStream(stream, groupColumns: plan.groupColumns, specs: plan.specs, schema: plan.schema, maxGroups: limits.maxGroups)
        case .join:
            let plan = try joinPlan(component)
            return JoinStream(left: try input("left"), right: try input("right"), leftKeys: plan.leftKeys, rightKeys: plan.rightKeys,
                              rightOutput: plan.rightOutput, keepUnmatched: component.string("join_type") == "left",
                              schema: plan.schema, maxRightRows: limits.maxJoinRightRows)
        case .union:
            let inputs = try (graph.incoming[component.id] ?? []).map { edge in
                try stream(of: graph.document.component(id: edge.source)!, counters: counters, isCancelled: isCancelled)
            }
            switch UnionStream.unify(inputs.map(\.schema)) {
            case .success(let schema): return UnionStream(inputs, schema: schema)
            case .failure(let error): throw error
            }
        case .distinct:
            let stream = try input(nil)
            let columns = try component.strings("fields").map { try $0.map { try column($0, in: stream.schema, component, role: "field") } }
            return DistinctStream(stream, keyColumns: columns, maxKeys: limits.maxDistinctKeys)
        case .limit:
            return LimitStream(try input(nil), count: component["count"]?.intValue ?? 0, offset: component["offset"]?.intValue ?? 0)
        case .rename:
            let stream = try input(nil)
            let plan = try renamePlan(component, stream.schema)
            return RenameStream(stream, schema: plan.schema, casts: plan.casts)
        case .databaseDestination, .fileDestination:
            return try input(nil)
        }
    }
}

extension ComponentIssue: Error {}
