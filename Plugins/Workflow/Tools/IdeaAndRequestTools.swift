import ToolsetKit

// Ideas (browse) and requests (submit): the starter half of the toolset. A request is only a
// request: it lands pending in the operators' queue (`toolhost workflow requests`) and becomes
// nothing by itself.

let listWorkflowIdeasTool = Tool(
    name: "list_workflow_ideas",
    title: "Browse workflow ideas",
    description: "Automation ideas your operators collected (title, description, category, the toolsets each would use), oldest "
        + "first. query: words that must all appear in the title or description; category: exact (case-insensitive).",
    input: .object(properties: [
        "query": .string(description: "Search words", maxLength: Limits.query),
        "category": .string(description: "Only this category", maxLength: Limits.category),
        "limit": Schemas.limit, "cursor": Schemas.cursor,
    ]),
    output: .object(properties: ["ideas": .array(of: Schemas.idea), "next_cursor": Schemas.nextCursor], required: ["ideas", "next_cursor"]),
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let args = call.arguments
    let query = try TextRules.optional(try args.optionalString("query"), "query", max: Limits.query)
    let category = try TextRules.optional(try args.optionalString("category"), "category", max: Limits.category)
    let limit = try Rules.limit(args)
    let filters = [query ?? "", category?.lowercased() ?? ""]
    let after = try args.cursorPosition(list: "w1.ideas", filters: filters)
    let rows = try WorkflowStore(try call.database, now: call.nowMilliseconds).ideas(query: query, category: category, after: after, limit: limit + 1)
    let page = Array(rows.prefix(limit))
    let next = PageCursor.next(list: "w1.ideas", filters: filters, position: rows.count > limit ? page.last?.seq : nil)
    let text = page.isEmpty ? "No ideas match." : page.map { "\($0.id)  \($0.title)\($0.category.map { "  [\($0)]" } ?? "")" }.joined(separator: "\n")
    return .structured(["ideas": .array(page.map(\.json)), "next_cursor": next], text: text)
}

let submitWorkflowRequestTool = Tool(
    name: "submit_workflow_request",
    title: "Request a new workflow",
    description: "Ask for a new workflow. The request lands PENDING in your operators' review queue; they accept or decline it. "
        + "Nothing runs because of it. Title ≤ \(Limits.title) characters, description ≤ \(Limits.description); at most "
        + "\(Limits.pendingRequests) requests may wait for review per workspace.",
    input: .object(properties: [
        "title": .string(description: "What the workflow should do, in a line", minLength: 1, maxLength: Limits.title),
        "description": .string(description: "The details", minLength: 1, maxLength: Limits.description),
        "desired_trigger": .string(description: "When it should run, e.g. \"every new booking\" or \"each Monday 9:00\"", maxLength: Limits.title),
        "example": .string(description: "An example run: input and expected outcome", maxLength: Limits.description),
    ], required: ["title", "description"]),
    output: Schemas.request,
    annotations: [.notReadOnly, .notDestructive, .notIdempotent, .closedWorld]
) { call in
    let args = call.arguments
    let title = try TextRules.required(try args.string("title"), "title", max: Limits.title)
    let description = try TextRules.required(try args.string("description"), "description", max: Limits.description)
    let trigger = try TextRules.optional(try args.optionalString("desired_trigger"), "desired_trigger", max: Limits.title)
    let example = try TextRules.optional(try args.optionalString("example"), "example", max: Limits.description)
    let store = WorkflowStore(try call.database, now: call.nowMilliseconds)
    let context = call.context
    let request = try store.write {
        let pending = try store.pendingRequestCount()
        guard pending < Limits.pendingRequests else {
            throw ToolError("\(pending) workflow requests already wait for review, the limit; nothing was submitted. Ask an operator "
                + "to work through the queue first.")
        }
        return try store.submitRequest(title: title, description: description, trigger: trigger, example: example,
                                       tokenID: context.tokenID, tokenName: context.tokenName)
    }
    call.emit("workflow.request_submitted", ["id": .string(request.id), "title": .string(title)])
    return .structured(request.json, text: "Submitted \(request.id); it waits for an operator to accept or decline it.")
}
