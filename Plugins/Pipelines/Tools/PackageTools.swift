import JSON
import PipelineEngine
import ToolsetKit

// Pipeline mutations: the agent edits packages. Every change is one transaction (BEGIN IMMEDIATE
// serialises concurrent edits of a package), bumps the version, keeps the whole package in
// history (toolhost pipelines history / show-version / revert) and is an audit event naming the token.

private let writes: [ToolAnnotation] = [.notReadOnly, .notDestructive, .notIdempotent, .closedWorld]

/// What each mutation answers: the package as it now is, and what changed.
private func changed(_ package: Package, _ summary: String) -> ToolResult {
    var object = package.detailJSON(lastRunStatus: nil, fullGraph: false).objectValue!
    object["package_id"] = .string(package.id)
    object["change"] = .string(summary)
    return .structured(.object(object), text: "\(package.id) is now version \(package.version): \(summary)")
}

private let changeOutput = Schemas.record(["package_id": .string(), "version": .integer(minimum: 1), "change": .string()],
                                          required: ["package_id", "version", "change"])

/// Loads, edits and saves one package inside one transaction.
private func edit(_ p: PipelinesCall, change: String, _ body: (inout Package) throws -> String) throws -> (Package, String) {
    try p.write {
        var package = try p.store.editablePackage(try p.arguments.string("package_id"))
        let summary = try body(&package)
        return (try p.store.save(package, by: p.who, change: change, summary: summary), summary)
    }
}

private func textArgument(_ p: PipelinesCall, _ key: String, max: Int) throws -> String? {
    try TextRules.optional(try p.arguments.optionalString(key), key, max: max)
}

let createPackageTool = Tool(
    name: "create_package",
    title: "Create a package",
    description: "Creates a package atomically from a full data_flow_json spec: name, flow_type, components and edges are required; workspace_id "
        + "(default: unassigned), description and flow_version (default 2.0.0) are optional. Component and edge ids are generated when omitted. "
        + "Shapes are checked here (known types and properties, unique names, edges that resolve); validate_package checks the rest. Returns package_id.",
    input: .object(properties: [
        "name": .string(minLength: 1, maxLength: Limits.nameLength), "flow_type": .string(enum: FlowType.allCases.map(\.rawValue)),
        "components": Schemas.components, "edges": Schemas.edges, "workspace_id": Schemas.workspaceID,
        "description": .string(maxLength: Limits.descriptionLength), "flow_version": .string(maxLength: 20),
        "variables": Schemas.variables,
    ], required: ["name", "flow_type", "components", "edges"]),
    output: changeOutput,
    annotations: writes
) { call in
    let p = try PipelinesCall(call)
    let name = try TextRules.required(try p.arguments.string("name"), "name", max: Limits.nameLength, trimmed: true)
    let flowType = FlowType(rawValue: try p.arguments.string("flow_type")) ?? .dataflow
    let document = try PackageEdits.parse(components: try p.arguments.array("components"), edges: try p.arguments.array("edges"))
    let variables = try PackageEdits.variables(JSONObject(), set: try p.arguments.optionalObject("variables"), remove: [])
    let package = try p.write {
        let workspace = try p.arguments.optionalString("workspace_id").map { try p.store.existingWorkspace($0).id }
        return try p.store.createPackage(PipelinesStore.NewPackage(
            name: name, description: try textArgument(p, "description", max: Limits.descriptionLength) ?? "", workspaceID: workspace,
            flowType: flowType, flowVersion: try p.arguments.optionalString("flow_version") ?? "2.0.0", document: document, variables: variables),
            by: p.who, change: "create_package", summary: "created with \(document.components.count) components and \(document.edges.count) edges")
    }
    p.audit(.packageCreated, ["package_id": .string(package.id), "version": .int(1), "name": .string(package.name)])
    return changed(package, "created with \(document.components.count) components and \(document.edges.count) edges")
}

let clonePackageTool = Tool(
    name: "clone_package",
    title: "Clone a package",
    description: "Duplicates a package (its data_flow_json and variables) into a new package, optionally with a new name and workspace_id. "
        + "Returns the new package_id; the original is untouched.",
    input: .object(properties: ["package_id": Schemas.packageID, "name": .string(minLength: 1, maxLength: Limits.nameLength),
                                "workspace_id": Schemas.workspaceID], required: ["package_id"]),
    output: changeOutput,
    annotations: writes
) { call in
    let p = try PipelinesCall(call)
    let (original, clone) = try p.write {
        let original = try p.store.existingPackage(try p.arguments.string("package_id"))
        let name = try textArgument(p, "name", max: Limits.nameLength) ?? "Copy of \(original.name)"
        let workspace = try p.arguments.optionalString("workspace_id").map { try p.store.existingWorkspace($0).id } ?? original.workspaceID
        let clone = try p.store.createPackage(PipelinesStore.NewPackage(
            name: name, description: original.description, workspaceID: workspace, flowType: original.flowType, flowVersion: original.flowVersion,
            document: original.document, variables: original.variables),
            by: p.who, change: "clone_package", summary: "cloned from \(original.id) version \(original.version)")
        return (original, clone)
    }
    p.audit(.packageCreated, ["package_id": .string(clone.id), "cloned_from": .string(original.id), "version": .int(1)])
    return changed(clone, "cloned from \(original.id) version \(original.version)")
}

let addPackageComponentsTool = Tool(
    name: "add_package_components",
    title: "Add components to a package",
    description: "Adds components (data_flow_json form; ids generated when omitted) and optionally edges, which may join new and existing "
        + "components. All-or-nothing: any invalid component or edge rejects the whole call. Bumps the package version.",
    input: .object(properties: ["package_id": Schemas.packageID, "components": Schemas.components, "edges": Schemas.edges],
                   required: ["package_id", "components"]),
    output: changeOutput,
    annotations: writes
) { call in
    let p = try PipelinesCall(call)
    let components = try p.arguments.array("components")
    guard !components.isEmpty else { throw ToolError("\"components\" must hold at least one component") }
    let (package, summary) = try edit(p, change: "add_package_components") { package in
        let before = Set(package.document.components.map(\.id))
        package.document = try PackageEdits.add(package.document, components: components, edges: try p.arguments.optionalArray("edges") ?? [])
        let added = package.document.components.filter { !before.contains($0.id) }.map { "\($0.name) (\($0.id))" }
        return "added " + added.joined(separator: ", ")
    }
    p.audit(.packageChanged, ["package_id": .string(package.id), "version": .int(Int64(package.version)), "change": .string(summary)])
    return changed(package, summary)
}

let updatePackageComponentsTool = Tool(
    name: "update_package_components",
    title: "Update package components",
    description: "Edits components in place. Each entry is {component_name, updates}; nested objects in updates are deep-merged, other values "
        + "replace, null removes a property. All-or-nothing: if any component_name is not found (or a result is invalid), nothing is written. "
        + "Bumps the package version; reversible from the version history.",
    input: .object(properties: [
        "package_id": Schemas.packageID,
        "components": .array(of: Schema.object(properties: [
            "component_name": .string(minLength: 1, maxLength: Limits.nameLength),
            "updates": Schema.object(description: "Properties to merge into the component", additionalProperties: true),
        ], required: ["component_name", "updates"]), minItems: 1, maxItems: Limits.componentsPerPackage),
    ], required: ["package_id", "components"]),
    output: changeOutput,
    annotations: writes
) { call in
    let p = try PipelinesCall(call)
    let updates = try p.arguments.array("components").map { ($0["component_name"]?.stringValue ?? "", $0["updates"]?.objectValue ?? JSONObject()) }
    let (package, summary) = try edit(p, change: "update_package_components") { package in
        package.document = try PackageEdits.update(package.document, updates.map { (name: $0.0, updates: $0.1) })
        return "updated " + updates.map { "\($0.0) (\($0.1.keys.joined(separator: ", ")))" }.joined(separator: "; ")
    }
    p.audit(.packageChanged, ["package_id": .string(package.id), "version": .int(Int64(package.version)), "change": .string(summary)])
    return changed(package, summary)
}

let updatePackageEdgesTool = Tool(
    name: "update_package_edges",
    title: "Replace package edges",
    description: "Replaces the package's edges wholesale. Every edge's source and target must be a component id of the package; any unknown "
        + "reference rejects the whole call with nothing written. Bumps the package version.",
    input: .object(properties: ["package_id": Schemas.packageID, "edges": Schemas.edges], required: ["package_id", "edges"]),
    output: changeOutput,
    annotations: writes
) { call in
    let p = try PipelinesCall(call)
    let edges = try p.arguments.array("edges")
    let (package, summary) = try edit(p, change: "update_package_edges") { package in
        let before = package.document.edges.count
        package.document = try PackageEdits.replaceEdges(package.document, with: edges)
        return "replaced \(before) edges with \(package.document.edges.count)"
    }
    p.audit(.packageChanged, ["package_id": .string(package.id), "version": .int(Int64(package.version)), "change": .string(summary)])
    return changed(package, summary)
}

let removePackageComponentsTool = Tool(
    name: "remove_package_components",
    title: "Remove package components",
    description: "Removes components by name, and every edge touching them, so the package never has dangling edges. All-or-nothing: if any "
        + "name is not found, nothing is removed. Bumps the package version.",
    input: .object(properties: ["package_id": Schemas.packageID,
                                "component_names": .array(of: .string(minLength: 1, maxLength: Limits.nameLength), minItems: 1,
                                                          maxItems: Limits.componentsPerPackage)],
                   required: ["package_id", "component_names"]),
    output: changeOutput,
    annotations: writes
) { call in
    let p = try PipelinesCall(call)
    let names = try p.arguments.array("component_names").compactMap(\.stringValue)
    let (package, summary) = try edit(p, change: "remove_package_components") { package in
        let edgesBefore = package.document.edges.count
        package.document = try PackageEdits.remove(package.document, names: names)
        return "removed \(names.joined(separator: ", ")) and \(edgesBefore - package.document.edges.count) edges"
    }
    p.audit(.packageChanged, ["package_id": .string(package.id), "version": .int(Int64(package.version)), "change": .string(summary)])
    return changed(package, summary)
}

let renamePackageTool = Tool(
    name: "rename_package",
    title: "Rename a package",
    description: "Changes a package's name and optionally its description. Metadata only: data_flow_json is untouched. Recorded in the version history.",
    input: .object(properties: ["package_id": Schemas.packageID, "name": .string(minLength: 1, maxLength: Limits.nameLength),
                                "description": .string(maxLength: Limits.descriptionLength)], required: ["package_id", "name"]),
    output: changeOutput,
    annotations: writes
) { call in
    let p = try PipelinesCall(call)
    let name = try TextRules.required(try p.arguments.string("name"), "name", max: Limits.nameLength, trimmed: true)
    let description = try textArgument(p, "description", max: Limits.descriptionLength)
    let (package, summary) = try edit(p, change: "rename_package") { package in
        let old = package.name
        package.name = name
        if let description { package.description = description }
        return "renamed from \"\(old)\" to \"\(name)\"" + (description == nil ? "" : " with a new description")
    }
    p.audit(.packageChanged, ["package_id": .string(package.id), "version": .int(Int64(package.version)), "change": .string(summary)])
    return changed(package, summary)
}

let managePackageVariablesTool = Tool(
    name: "manage_package_variables",
    title: "Manage package variables",
    description: "Defines, updates or removes a package's public variables (named defaults, used as $name in expressions; a run's variables "
        + "override them). set: {name: default}; remove: [names]. Unknown names to remove reject the call. Bumps the package version.",
    input: .object(properties: ["package_id": Schemas.packageID, "set": Schemas.variables,
                                "remove": .array(of: .string(minLength: 1, maxLength: 64), maxItems: Limits.variablesPerPackage)],
                   required: ["package_id"]),
    output: changeOutput,
    annotations: writes
) { call in
    let p = try PipelinesCall(call)
    let set = try p.arguments.optionalObject("set")
    let remove = try p.arguments.optionalArray("remove")?.compactMap(\.stringValue) ?? []
    guard !(set?.isEmpty ?? true) || !remove.isEmpty else { throw ToolError("Give set, remove or both") }
    let (package, summary) = try edit(p, change: "manage_package_variables") { package in
        package.variables = try PackageEdits.variables(package.variables, set: set, remove: remove)
        return [set.map { "set " + $0.keys.joined(separator: ", ") }, remove.isEmpty ? nil : "removed " + remove.joined(separator: ", ")]
            .compactMap { $0 }.joined(separator: "; ")
    }
    p.audit(.packageChanged, ["package_id": .string(package.id), "version": .int(Int64(package.version)), "change": .string(summary)])
    return changed(package, summary)
}

let deletePackageTool = Tool(
    name: "delete_package",
    title: "Archive a package",
    description: "Archives a package (soft delete): it stays queryable with list_packages(status: archived) and in history. Refused while an "
        + "enabled schedule runs it (toggle_schedule it off first).",
    input: .object(properties: ["package_id": Schemas.packageID], required: ["package_id"]),
    output: changeOutput,
    annotations: writes
) { call in
    let p = try PipelinesCall(call)
    let (package, summary) = try edit(p, change: "delete_package") { package in
        let schedules = try p.store.activeSchedules(of: package.id)
        guard schedules.isEmpty else {
            throw ToolError("Package \(package.id) is still run by enabled schedule(s) " + schedules.map { "\($0.name) (\($0.id))" }.joined(separator: ", ")
                + "; disable them with toggle_schedule first. Nothing was archived.")
        }
        package.status = .archived
        package.archivedMs = p.store.now
        return "archived"
    }
    p.audit(.packageArchived, ["package_id": .string(package.id), "version": .int(Int64(package.version))])
    return changed(package, summary)
}
