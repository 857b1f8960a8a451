import JSONSchema
import ToolsetKit

// Recipes (operator-defined, `toolhost workflow recipe create`) and their runs. trigger_recipe
// needs the growth plan; the rest is starter.

let listRecipesTool = Tool(
    name: "list_recipes",
    title: "List workflow recipes",
    description: "The recipes you can trigger: name, description, the input_schema trigger_recipe checks inputs against, and what "
        + "each step does.",
    input: .object(properties: ["limit": Schemas.limit, "cursor": Schemas.cursor]),
    output: .object(properties: ["recipes": .array(of: Schemas.recipe), "next_cursor": Schemas.nextCursor], required: ["recipes", "next_cursor"]),
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let limit = try Rules.limit(call.arguments)
    let after = try call.arguments.cursorPosition(list: "w1.recipes", filters: [])
    let rows = try WorkflowStore(try call.database, now: call.nowMilliseconds).recipes(includeDisabled: false, after: after, limit: limit + 1)
    let page = Array(rows.prefix(limit))
    let next = PageCursor.next(list: "w1.recipes", filters: [], position: rows.count > limit ? page.last?.seq : nil)
    let text = page.isEmpty ? "No recipes yet." : page.map { "\($0.id)  \($0.name): \($0.description)" }.joined(separator: "\n")
    return .structured(["recipes": .array(page.map(\.agentJSON)), "next_cursor": next], text: text)
}

let triggerRecipeTool = Tool(
    name: "trigger_recipe",
    title: "Trigger a workflow recipe",
    description: "Start a run of a recipe with `inputs` (checked against its input_schema). Returns the run id at once; the steps run "
        + "in the background, in order, AS YOUR TOKEN: a step that calls a tool your token may not use fails with that refusal. "
        + "Follow the run with get_workflow_run. Needs the growth plan.",
    input: .object(properties: [
        "recipe_id": .string(description: "The recipe's id (rcp_…) or name", minLength: 1, maxLength: 100),
        "inputs": .object(description: "The recipe's inputs", additionalProperties: true),
    ], required: ["recipe_id"]),
    output: Schemas.run,
    annotations: [.notReadOnly, .notDestructive, .notIdempotent, .openWorld],
    minPlan: "growth"
) { call in
    let recipeID = try call.arguments.string("recipe_id")
    let inputs = JSONValue.object(try call.arguments.optionalObject("inputs") ?? JSONObject())
    guard inputs.serialized().count <= Limits.inputsBytes else { throw ToolError("\"inputs\" is larger than \(Limits.inputsBytes / 1024) KiB") }
    let store = WorkflowStore(try call.database, now: call.nowMilliseconds)
    guard let recipe = try store.recipe(recipeID), recipe.enabled else { throw ToolError("No recipe \(recipeID) (list_recipes shows those you can trigger)") }
    try checkInputs(inputs, recipe)
    let run = try store.write {
        let active = try store.activeRunCount()
        guard active < Limits.activeRuns else {
            throw ToolError("\(active) runs are already queued or running in this workspace, the limit; nothing was started. "
                + "Try again when some have finished (list_workflow_runs with status running).")
        }
        return try store.createRun(recipe, inputs: inputs, tokenID: call.context.tokenID, tokenName: call.context.tokenName)
    }
    // The answer shows the run as queued: read before the job can start it.
    let steps = try store.steps(of: run)
    do {
        let jobID = try call.enqueue(JobRequest(kind: "workflow.run", payload: ["run_id": .string(run.id)], idempotencyKey: run.id))
        try store.setJob(run, jobID: jobID)
    } catch let error as JobServiceError {
        try store.setRunStatus(run, .failed, error: "could not be queued: \(error.message)")
        throw ToolError("The run could not be queued (\(error.message)); nothing ran.")
    }
    call.emit("workflow.recipe_triggered", ["run_id": .string(run.id), "recipe_id": .string(recipe.id)])
    return .structured(run.json(steps: steps),
                       text: "Started \(run.id) of \(recipe.name) (\(recipe.steps.count) steps); follow it with get_workflow_run.")
}

/// Inputs that break the recipe's schema are refused with every problem named.
private func checkInputs(_ inputs: JSONValue, _ recipe: Recipe) throws {
    let schema: CompiledSchema
    do { schema = try CompiledSchema.compile(recipe.inputSchema) } catch {
        throw ToolError("Recipe \(recipe.name) has an input schema this server cannot use (\(error)); ask an operator to fix it")
    }
    let failures = schema.validate(inputs)
    guard failures.isEmpty else {
        throw ToolError("The inputs do not match recipe \(recipe.name)'s input_schema: "
            + failures.map { $0.path.isEmpty ? $0.message : "\($0.path): \($0.message)" }.joined(separator: "; "))
    }
}

let listWorkflowRunsTool = Tool(
    name: "list_workflow_runs",
    title: "List workflow runs",
    description: "Recipe runs, newest first, optionally of one recipe (recipe_id) or with one status (\(RunStatus.namesText)).",
    input: .object(properties: [
        "recipe_id": .string(description: "Only runs of this recipe (id or name)", maxLength: 100),
        "status": .string(description: "Only runs with this status", enum: RunStatus.names),
        "limit": Schemas.limit, "cursor": Schemas.cursor,
    ]),
    output: .object(properties: ["runs": .array(of: Schemas.run), "next_cursor": Schemas.nextCursor], required: ["runs", "next_cursor"]),
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let args = call.arguments
    let store = WorkflowStore(try call.database, now: call.nowMilliseconds)
    var recipeID: String?
    if let given = try args.optionalString("recipe_id") {
        guard let recipe = try store.recipe(given) else { throw ToolError("No recipe \(given)") }
        recipeID = recipe.id
    }
    let status = try args.optionalString("status").flatMap(RunStatus.init(rawValue:))
    let limit = try Rules.limit(args)
    let filters = [recipeID ?? "", status?.rawValue ?? ""]
    let before = try args.cursorPosition(list: "w1.runs", filters: filters)
    let rows = try store.runs(recipeID: recipeID, status: status, before: before, limit: limit + 1)
    let page = Array(rows.prefix(limit))
    let next = PageCursor.next(list: "w1.runs", filters: filters, position: rows.count > limit ? page.last?.seq : nil)
    let text = page.isEmpty ? "No runs match." : page.map { "\($0.id)  [\($0.status.rawValue)]  \($0.recipeName)" }.joined(separator: "\n")
    return .structured(["runs": .array(page.map { $0.json(steps: nil) }), "next_cursor": next], text: text)
}

let getWorkflowRunTool = Tool(
    name: "get_workflow_run",
    title: "Read a workflow run",
    description: "One run with each step's status, output, error, attempts and times.",
    input: .object(properties: ["run_id": .string(description: "The run's id (run_…)", minLength: 1, maxLength: 64)], required: ["run_id"]),
    output: Schemas.run,
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let id = try call.arguments.string("run_id")
    let store = WorkflowStore(try call.database, now: call.nowMilliseconds)
    guard let run = try store.run(id: id) else { throw ToolError("No run \(id)") }
    let steps = try store.steps(of: run)
    let lines = ["\(run.id)  [\(run.status.rawValue)]  \(run.recipeName)\(run.error.map { ": \($0)" } ?? "")"]
        + steps.map { "  \($0.position). \($0.name) [\($0.status.rawValue)]\($0.error.map { ": \($0)" } ?? "")" }
    return .structured(run.json(steps: steps), text: lines.joined(separator: "\n"))
}
