import Foundation
import JSONSchema
import ToolsetKit

// `toolhost workflow recipe create|list|show|enable|disable`, `workflow runs`, `workflow show-run`,
// `workflow cancel-run`: recipes are the operators' to write; runs are everyone's to read.

let recipeCommand = OperatorCommand(
    group: "workflow", name: "recipe", title: "Workflow recipes",
    summary: "create --name N --file RECIPE.json | list | show NAME | enable NAME | disable NAME",
    description: "A recipe file is {\"description\": …, \"input_schema\": {JSON Schema}, \"steps\": [{\"name\", \"type\": \"tool\", \"tool\", "
        + "\"arguments\"} or {\"name\", \"type\": \"http\", \"method\", \"url\", \"headers\", \"body\", \"timeout_seconds\", \"retries\"}]}; "
        + "strings may use {{inputs.x}} and {{steps.NAME.output.y}}. create replaces a recipe of the same name.",
    input: Schema.object(properties: [
        "action": .string(description: "create, list, show, enable or disable", enum: ["create", "list", "show", "enable", "disable"]),
        "recipe": .string(description: "the recipe's name or id (show, enable, disable)", maxLength: 100),
        "name": .string(description: "the recipe's name (create)", maxLength: 100),
        "file": .string(description: "the recipe's JSON file (create)", maxLength: 4096),
    ], required: ["action"]).positional("action", "recipe"),
    output: .object(properties: ["recipes": .array(of: .object(additionalProperties: true))], additionalProperties: true),
    view: .table(rows: "/recipes", columns: [.init("id", "Recipe"), .init("name", "Name"), .init("enabled", "Enabled"), .init("description", "Description")]),
    annotations: [.notDestructive], toolset: "workflow", role: .admin
) { ctx, args in
    let values = args.values
    let store = WorkflowStore(try ctx.database, now: ctx.nowMilliseconds)
    func named() throws -> Recipe {
        guard let key = try values.optionalString("recipe") else { throw ToolError("give the recipe's NAME") }
        guard let recipe = try store.recipe(key) else { throw ToolError("no recipe \(key)") }
        return recipe
    }
    switch try values.string("action") {
    case "create":
        guard let name = try values.optionalString("name"), let path = try values.optionalString("file") else {
            throw ToolError("recipe create needs --name and --file")
        }
        let (description, schema, steps) = try readRecipeFile(path)
        let (recipe, created) = try store.write {
            try store.saveRecipe(name: name, description: description, inputSchema: schema, steps: steps, by: ctx.operatorName)
        }
        ctx.emit("workflow.recipe_saved", ["id": .string(recipe.id), "name": .string(name), "created": .bool(created)])
        return .ok(text: recipe.id, data: ["recipes": [recipe.fullJSON]])
    case "show":
        let recipe = try named()
        return .ok(text: recipe.fullJSON.jsonString, data: ["recipes": [recipe.fullJSON]])
    case "enable", "disable":
        let recipe = try named()
        let enable = try values.string("action") == "enable"
        try store.setRecipeEnabled(recipe, enable)
        ctx.emit("workflow.recipe_\(enable ? "enabled" : "disabled")", ["id": .string(recipe.id)])
        return .ok(text: "\(recipe.name) is \(enable ? "enabled" : "disabled").", data: ["recipes": [recipe.fullJSON]])
    default:
        let recipes = try store.recipes(includeDisabled: true, after: nil, limit: 10_000)
        let text = recipes.isEmpty ? "No recipes yet." : textTable(["RECIPE", "NAME", "ENABLED", "STEPS"], recipes.map {
            [$0.id, $0.name, $0.enabled ? "yes" : "no", $0.steps.map(\.summary).joined(separator: "; ")]
        })
        return .ok(text: text, data: ["recipes": .array(recipes.map(\.fullJSON))])
    }
}

/// Reads and checks a recipe file: every problem is the operator's to fix, named precisely.
private func readRecipeFile(_ path: String) throws -> (String, JSONValue, [RecipeStep]) {
    guard let data = FileManager.default.contents(atPath: path) else { throw ToolError("cannot read \(path)") }
    guard data.count <= 1024 * 1024, let parsed = try? JSONParser.parse([UInt8](data)), let object = parsed.objectValue else {
        throw ToolError("\(path) is not a JSON object (at most 1 MiB)")
    }
    let known: Set<String> = ["description", "input_schema", "steps"]
    if let unknown = object.keys.first(where: { !known.contains($0) }) { throw ToolError("\(path): unknown field \"\(unknown)\"") }
    let description = object["description"]?.stringValue ?? ""
    let schema = object["input_schema"] ?? ["type": "object"]
    do { _ = try CompiledSchema.compile(schema) } catch { throw ToolError("\(path): input_schema is not a schema this server can use: \(error)") }
    let steps = try RecipeStep.parseList(object["steps"] ?? .null)
    return (description, schema, steps)
}

let runsCommand = OperatorCommand(
    group: "workflow", name: "runs", title: "Workflow runs", summary: "Runs, newest first [--recipe NAME] [--status S]",
    input: .object(properties: [
        "recipe": .string(description: "only runs of this recipe", maxLength: 100),
        "status": .string(description: "only runs with this status", enum: RunStatus.names),
    ]),
    output: .object(properties: ["runs": .array(of: Schemas.run)], required: ["runs"]),
    view: .table(rows: "/runs", columns: [.init("id", "Run"), .init("recipe_name", "Recipe"), .init("status", "Status"),
                                          .init("created_at", "Started"), .init("error", "Error")],
                 rowActions: [.init("show-run", label: "Show", args: ["id": "{id}"])]),
    annotations: [.readOnly], toolset: "workflow", role: .viewer
) { ctx, args in
    let store = WorkflowStore(try ctx.database, now: ctx.nowMilliseconds)
    let recipe = try args.values.optionalString("recipe").map { key -> Recipe in
        guard let recipe = try store.recipe(key) else { throw ToolError("no recipe \(key)") }
        return recipe
    }
    let status = try args.values.optionalString("status").flatMap(RunStatus.init(rawValue:))
    let runs = try store.runs(recipeID: recipe?.id, status: status, before: nil, limit: 1000)
    let text = runs.isEmpty ? "No runs match." : textTable(["RUN", "STATUS", "RECIPE", "BY", "ERROR"], runs.map {
        [$0.id, $0.status.rawValue, $0.recipeName, $0.tokenName, $0.error ?? ""]
    })
    return .ok(text: text, data: ["runs": .array(runs.map { $0.json(steps: nil) })])
}

private let oneRun = Schema.object(properties: ["id": .string(description: "the run's id (run_…)", minLength: 1, maxLength: 64)],
                                   required: ["id"]).positional("id")

let showRunCommand = OperatorCommand(
    group: "workflow", name: "show-run", title: "Workflow run", summary: "A run with its steps: RUN_ID",
    input: oneRun, output: Schemas.run, view: .record, annotations: [.readOnly], toolset: "workflow", role: .viewer
) { ctx, args in
    let store = WorkflowStore(try ctx.database, now: ctx.nowMilliseconds)
    let id = try args.values.string("id")
    guard let run = try store.run(id: id) else { throw ToolError("no run \(id)") }
    let steps = try store.steps(of: run)
    let lines = ["\(run.id)  [\(run.status.rawValue)]  \(run.recipeName), triggered by \(run.tokenName) (\(run.tokenID))"]
        + steps.map { "  \($0.position). \($0.name) [\($0.status.rawValue)]\($0.error.map { ": \($0)" } ?? "")" }
    return .ok(text: lines.joined(separator: "\n"), data: run.json(steps: steps))
}

let cancelRunCommand = OperatorCommand(
    group: "workflow", name: "cancel-run", title: "Cancel a run", summary: "Stop a queued or running run before its next step: RUN_ID",
    input: oneRun, output: .object(properties: ["id": .string(), "cancelled": .boolean()], required: ["id", "cancelled"]),
    view: .record, annotations: [.idempotent, .notDestructive], toolset: "workflow", role: .admin
) { ctx, args in
    let store = WorkflowStore(try ctx.database, now: ctx.nowMilliseconds)
    let id = try args.values.string("id")
    guard let run = try store.run(id: id) else { throw ToolError("no run \(id)") }
    guard !run.status.isFinished else { return .ok(text: "\(id) already \(run.status.rawValue).", data: ["id": .string(id), "cancelled": false]) }
    if let jobID = run.jobID {
        do { try ctx.cancelJob(jobID) } catch let error as JobServiceError {
            throw ToolError("could not cancel the run's job \(jobID): \(error.message)")
        }
    }
    if run.status == .queued {
        try store.skipRemainingSteps(run)
        try store.setRunStatus(run, .cancelled, error: "cancelled by \(ctx.operatorName) before it started")
    }
    ctx.emit("workflow.run_cancelled", ["id": .string(id)])
    return .ok(text: "Cancelling \(id): it stops before its next step.", data: ["id": .string(id), "cancelled": true])
}

let workflowOperatorCommands: [OperatorCommand] = [
    ideaCommand, requestsCommand, acceptCommand, declineCommand, recipeCommand, runsCommand, showRunCommand, cancelRunCommand,
]
