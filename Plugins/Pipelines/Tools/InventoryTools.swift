import JSON
import PipelineEngine
import ToolsetKit

// Account inventory (read-only): workspaces, packages, connections, clusters, search.

private let readOnly: [ToolAnnotation] = [.readOnly, .idempotent, .closedWorld]

let listWorkspacesTool = Tool(
    name: "list_workspaces",
    title: "List workspaces",
    description: "Lists workspaces with package_count, last_failed_jobs_count and last_completed_jobs_count (packages whose latest finished run "
        + "failed / completed). A good starting point.",
    input: .object(properties: ["limit": Schemas.limit, "cursor": Schemas.cursor]),
    output: Schemas.list("workspaces", of: Schemas.workspace),
    annotations: readOnly
) { call in
    let p = try PipelinesCall(call)
    let limit = try p.limit()
    let rows = try p.store.workspaces(after: try p.cursor(.workspaces), limit: limit)
    let page = Array(rows.prefix(limit))
    let items = try page.map { ($0, try p.store.workspaceCounts($0.id)) }
    let text = items.isEmpty ? "No workspaces yet (an operator creates them: toolhost pipelines workspace create)."
        : items.map { "\($0.0.id)  \($0.0.name): \($0.1.packages) packages, \($0.1.lastFailed) last failed, \($0.1.lastCompleted) last completed" }
            .joined(separator: "\n")
    return .structured(["workspaces": .array(items.map { $0.0.json(counts: $0.1) }),
                        "next_cursor": p.nextCursor(.workspaces, position: rows.count > limit ? page.last?.seq : nil)], text: text)
}

let listPackagesTool = Tool(
    name: "list_packages",
    title: "List packages",
    description: "Lists packages (pipeline definitions) with last_run_status. Filter by flow_type (dataflow or workflow), status (active or "
        + "archived; default active) and workspace_id.",
    input: .object(properties: [
        "flow_type": .string(enum: FlowType.allCases.map(\.rawValue)), "status": .string(enum: PackageStatus.allCases.map(\.rawValue)),
        "workspace_id": Schemas.workspaceID, "limit": Schemas.limit, "cursor": Schemas.cursor,
    ]),
    output: Schemas.list("packages", of: Schemas.package),
    annotations: readOnly
) { call in
    let p = try PipelinesCall(call)
    var filter = PipelinesStore.PackageFilter()
    filter.flowType = try p.arguments.optionalString("flow_type").flatMap(FlowType.init(rawValue:))
    filter.status = try p.arguments.optionalString("status").flatMap(PackageStatus.init(rawValue:)) ?? .active
    if let workspace = try p.arguments.optionalString("workspace_id") { filter.workspaceID = try p.store.existingWorkspace(workspace).id }
    let filters = [filter.flowType?.rawValue ?? "", filter.status?.rawValue ?? "", filter.workspaceID ?? ""]
    let limit = try p.limit()
    let rows = try p.store.packages(filter, after: try p.cursor(.packages, filters: filters), limit: limit)
    let page = Array(rows.prefix(limit))
    let items = try page.map { ($0, try p.store.lastRunStatus(of: $0.id)) }
    let text = items.isEmpty ? "No packages match." : items.map { "\($0.0.id)  \($0.0.name) (v\($0.0.version), last run: \($0.1 ?? "never"))" }
        .joined(separator: "\n")
    return .structured(["packages": .array(items.map { $0.0.summaryJSON(lastRunStatus: $0.1) }),
                        "next_cursor": p.nextCursor(.packages, filters: filters, position: rows.count > limit ? page.last?.seq : nil)], text: text)
}

let getPackageTool = Tool(
    name: "get_package",
    title: "Get a package",
    description: "One package with a graph summary (component count, edge count, component-type tally, variables count) and its components' "
        + "names. include_full_graph: true adds the whole data_flow_json.",
    input: .object(properties: ["package_id": Schemas.packageID, "include_full_graph": .boolean(description: "Add data_flow_json (default false)")],
                   required: ["package_id"]),
    output: Schemas.package,
    annotations: readOnly
) { call in
    let p = try PipelinesCall(call)
    let package = try p.store.existingPackage(try p.arguments.string("package_id"))
    let full = try p.arguments.optionalBool("include_full_graph") ?? false
    return .structured(package.detailJSON(lastRunStatus: try p.store.lastRunStatus(of: package.id), fullGraph: full),
                       text: "\(package.id) \(package.name): \(package.document.components.count) components, \(package.document.edges.count) edges, "
                           + "version \(package.version), \(package.status.rawValue)")
}

let listConnectionsTool = Tool(
    name: "list_connections",
    title: "List connections",
    description: "Lists database and storage connections: id, name, type (sqlite, postgres, files) and status only. "
        + "Optional connection_type_filter.",
    input: .object(properties: ["connection_type_filter": .string(enum: ConnectionType.allCases.map(\.rawValue)), "limit": Schemas.limit,
                                "cursor": Schemas.cursor]),
    output: Schemas.list("connections", of: Schemas.connection),
    annotations: readOnly
) { call in
    let p = try PipelinesCall(call)
    let type = try p.arguments.optionalString("connection_type_filter").flatMap(ConnectionType.init(rawValue:))
    let limit = try p.limit()
    let rows = try p.store.connections(type: type, after: try p.cursor(.connections, filters: [type?.rawValue ?? ""]), limit: limit)
    let page = Array(rows.prefix(limit))
    let text = page.isEmpty ? "No connections." : page.map { "\($0.id)  \($0.name) (\($0.type.rawValue), \($0.status))" }.joined(separator: "\n")
    return .structured(["connections": .array(page.map(\.summaryJSON)),
                        "next_cursor": p.nextCursor(.connections, filters: [type?.rawValue ?? ""], position: rows.count > limit ? page.last?.seq : nil)],
                       text: text)
}

let getConnectionTool = Tool(
    name: "get_connection",
    title: "Get a connection",
    description: "One connection's identifying fields (host, port, database or path, tunnel_type) and suggested_components: the source and "
        + "destination component types to use with it. Never returns a credential.",
    input: .object(properties: ["connection_id": Schemas.connectionID], required: ["connection_id"]),
    output: Schemas.connection,
    annotations: readOnly
) { call in
    let p = try PipelinesCall(call)
    let connection = try p.store.existingConnection(try p.arguments.string("connection_id"))
    return .structured(connection.detailJSON, text: "\(connection.id) \(connection.name): \(connection.type.rawValue), use "
        + connection.type.suggestedComponents.joined(separator: " / "))
}

let listClustersTool = Tool(
    name: "list_clusters",
    title: "List clusters",
    description: "Lists clusters (worker pools runs execute on) with status, type, nodes (runs in parallel), region, lifecycle timestamps and "
        + "terminate_on_idle. Filter by status.",
    input: .object(properties: ["status": .string(enum: ClusterStatus.allCases.map(\.rawValue)), "limit": Schemas.limit, "cursor": Schemas.cursor]),
    output: Schemas.list("clusters", of: Schemas.cluster),
    annotations: readOnly
) { call in
    let p = try PipelinesCall(call)
    let status = try p.arguments.optionalString("status").flatMap(ClusterStatus.init(rawValue:))
    let limit = try p.limit()
    let now = p.store.now
    let rows = try p.store.clusters(after: try p.cursor(.clusters, filters: [status?.rawValue ?? ""]), limit: limit)
    let page = Array(rows.prefix(limit))
    let shown = page.filter { status == nil || $0.status(now: now) == status }
    let text = shown.isEmpty ? "No clusters match." : shown.map { "\($0.id)  \($0.name): \($0.status(now: now).rawValue), \($0.nodes) nodes, \($0.activeRuns) active runs" }
        .joined(separator: "\n")
    return .structured(["clusters": .array(shown.map { $0.json(now: now) }),
                        "next_cursor": p.nextCursor(.clusters, filters: [status?.rawValue ?? ""], position: rows.count > limit ? page.last?.seq : nil)],
                       text: text)
}

let searchAllTool = Tool(
    name: "search_all",
    title: "Search everything",
    description: "Free-text search across connections, packages, clusters and workspaces (names, descriptions, component names). Narrow with "
        + "types; per_type_limit caps hits per type (default \(Limits.searchPerTypeDefault), max \(Limits.searchPerTypeMax)).",
    input: .object(properties: [
        "query": .string(description: "Words to find (prefixes match)", minLength: 1, maxLength: 200),
        "types": .array(of: .string(enum: SearchType.allCases.map(\.plural)), description: "Default: all four"),
        "per_type_limit": .integer(minimum: 1, maximum: Limits.searchPerTypeMax),
    ], required: ["query"]),
    output: Schema.object(properties: ["results": Schema.object(additionalProperties: true), "total": .integer(minimum: 0)],
                          required: ["results", "total"], additionalProperties: true),
    annotations: readOnly
) { call in
    let p = try PipelinesCall(call)
    let query = try p.arguments.string("query")
    guard !PipelinesStore.ftsQuery(query).isEmpty else { throw ToolError("\"query\" has no words to search for") }
    let perType = try p.bounded("per_type_limit", default: Limits.searchPerTypeDefault, max: Limits.searchPerTypeMax)
    let types = try (p.arguments.optionalArray("types") ?? SearchType.allCases.map { .string($0.plural) }).map { value in
        guard let type = SearchType.allCases.first(where: { $0.plural == value.stringValue }) else {
            throw ToolError("\"types\" may hold: " + SearchType.allCases.map(\.plural).joined(separator: ", "))
        }
        return type
    }
    let hits = try p.store.search(query, types: types, perType: perType)
    let now = p.store.now
    var results = JSONObject()
    var lines: [String] = []
    var total = 0
    for type in types {
        let items: [JSONValue] = try (hits[type] ?? []).compactMap { id in
            switch type {
            case .connection: return try p.store.connection(id)?.summaryJSON
            case .package: return try p.store.packageSummary(id).map { $0.summaryJSON(lastRunStatus: try p.store.lastRunStatus(of: $0.id)) }
            case .cluster: return try p.store.cluster(id)?.json(now: now)
            case .workspace: return try p.store.workspace(id).map { $0.json(counts: try p.store.workspaceCounts($0.id)) }
            }
        }
        total += items.count
        results[type.plural] = .array(items)
        lines += items.map { "\(type.rawValue) \($0["id"]?.stringValue ?? "")  \($0["name"]?.stringValue ?? "")" }
    }
    return .structured(["results": .object(results), "total": .int(Int64(total))], text: lines.isEmpty ? "Nothing found." : lines.joined(separator: "\n"))
}

let listComponentTypesTool = Tool(
    name: "list_component_types",
    title: "List component types",
    description: "Every component a package can use (sources, transformations, destinations): name, category, class_name, docstring, and the "
        + "wrapper_key and specific_component_type that build data_flow_json. Optional category filter.",
    input: .object(properties: ["category": .string(enum: ComponentCategory.allCases.map(\.rawValue))]),
    output: Schema.object(properties: ["component_types": .array(of: Schema.object(additionalProperties: true))], required: ["component_types"]),
    annotations: readOnly
) { call in
    let category = try call.arguments.optionalString("category").flatMap(ComponentCategory.init(rawValue:))
    let specs = ComponentCatalog.all.filter { category == nil || $0.category == category }
    return .structured(["component_types": .array(specs.map(\.summaryJSON))],
                       text: specs.map { "\($0.kind.wrapperKey) (\($0.category.rawValue)): \($0.docstring)" }.joined(separator: "\n"))
}

let describeComponentTypeTool = Tool(
    name: "describe_component_type",
    title: "Describe a component type",
    description: "One component type in detail: its properties (writable attributes with types and defaults), required ones, docstring, inputs, "
        + "a fixture and a wrapper_example that create_package accepts as written (replace the conn_REPLACE_ME placeholder).",
    input: .object(properties: ["name": .string(description: "A name from list_component_types (\"filter\") or its wrapper_key (\"filter_component\")",
                                                minLength: 1, maxLength: 100)], required: ["name"]),
    output: Schema.object(properties: ["name": .string(), "properties": .array(of: Schema.object(additionalProperties: true)),
                                       "required": .array(of: .string()), "wrapper_example": Schema.object(additionalProperties: true)],
                          required: ["name", "properties", "required", "wrapper_example"], additionalProperties: true),
    annotations: readOnly
) { call in
    let name = try call.arguments.string("name")
    guard let kind = ComponentKind(rawValue: name) ?? ComponentKind(wrapperKey: name) else {
        throw ToolError("No component type \"\(oneLinePreview(name, length: 60))\" (list_component_types lists them: "
            + ComponentKind.allCases.map(\.rawValue).joined(separator: ", ") + ")")
    }
    let spec = kind.spec
    return .structured(spec.detailJSON, text: "\(spec.kind.wrapperKey): \(spec.docstring) Required: \(spec.required.joined(separator: ", ")).")
}
