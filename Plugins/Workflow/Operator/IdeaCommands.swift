import ToolsetKit

// `toolhost workflow idea add|list|archive`, `workflow requests`, `workflow accept|decline`: the
// humans' side of ideas and requests.

let ideaCommand = OperatorCommand(
    group: "workflow", name: "idea", title: "Workflow ideas",
    summary: "add --title T --description D [--category C] [--toolsets a,b] | list | archive ID",
    input: Schema.object(properties: [
        "action": .string(description: "add, list or archive", enum: ["add", "list", "archive"]),
        "id": .string(description: "the idea's id (archive)", maxLength: 64),
        "title": .string(description: "what it automates", maxLength: Limits.title),
        "description": .string(description: "how it would work", maxLength: Limits.description),
        "category": .string(description: "e.g. Scheduling", maxLength: Limits.category),
        "toolsets": .string(description: "comma-separated toolsets it would use", maxLength: 500),
    ], required: ["action"]).positional("action", "id"),
    output: .object(properties: ["ideas": .array(of: .object(additionalProperties: true))], additionalProperties: true),
    view: .table(rows: "/ideas", columns: [.init("id", "Idea"), .init("title", "Title"), .init("category", "Category")],
                 rowActions: [.init("idea", label: "Archive", args: ["action": "archive", "id": "{id}"])]),
    annotations: [.notDestructive], toolset: "workflow", role: .admin
) { ctx, args in
    let values = args.values
    let store = WorkflowStore(try ctx.database, now: ctx.nowMilliseconds)
    switch try values.string("action") {
    case "add":
        guard let title = try TextRules.optional(try values.optionalString("title"), "title", max: Limits.title),
              let description = try TextRules.optional(try values.optionalString("description"), "description", max: Limits.description) else {
            throw ToolError("idea add needs --title and --description")
        }
        let category = try TextRules.optional(try values.optionalString("category"), "category", max: Limits.category)
        let toolsets = (try values.optionalString("toolsets") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let idea = try store.addIdea(title: title, description: description, category: category, toolsets: toolsets)
        ctx.emit("workflow.idea_added", ["id": .string(idea.id), "title": .string(title)])
        return .ok(text: idea.id, data: ["ideas": [idea.json]])
    case "archive":
        guard let id = try values.optionalString("id") else { throw ToolError("idea archive needs the idea's ID") }
        guard try store.archiveIdea(id) else { throw ToolError("no live idea \(id)") }
        ctx.emit("workflow.idea_archived", ["id": .string(id)])
        return .ok(text: "Archived \(id); agents no longer see it.", data: ["ideas": []])
    default:
        let ideas = try store.ideas(query: nil, category: nil, after: nil, limit: 10_000)
        let text = ideas.isEmpty ? "No ideas yet." : textTable(["IDEA", "CATEGORY", "TITLE"], ideas.map { [$0.id, $0.category ?? "-", $0.title] })
        return .ok(text: text, data: ["ideas": .array(ideas.map(\.json))])
    }
}

let requestsCommand = OperatorCommand(
    group: "workflow", name: "requests", title: "Workflow requests",
    summary: "Requests agents submitted, oldest first [--status pending|accepted|declined] (default pending)",
    input: .object(properties: ["status": .string(description: "only these (default pending)", enum: RequestStatus.names)]),
    output: .object(properties: ["requests": .array(of: Schemas.request)], required: ["requests"]),
    view: .table(rows: "/requests", columns: [.init("id", "Request"), .init("title", "Title"), .init("desired_trigger", "Trigger"),
                                              .init("created_at", "Submitted")],
                 rowActions: [.init("accept", label: "Accept", args: ["id": "{id}"]), .init("decline", label: "Decline", args: ["id": "{id}"])]),
    annotations: [.readOnly], toolset: "workflow", role: .viewer
) { ctx, args in
    let status = try args.values.optionalString("status").flatMap(RequestStatus.init(rawValue:)) ?? .pending
    let requests = try WorkflowStore(try ctx.database, now: ctx.nowMilliseconds).requests(status: status, limit: 1000)
    let text = requests.isEmpty ? "No \(status.rawValue) requests."
        : textTable(["REQUEST", "BY", "TITLE"], requests.map { [$0.id, $0.tokenName, $0.title] })
    return .ok(text: text, data: ["requests": .array(requests.map(\.json))])
}

private func decision(_ name: String, _ status: RequestStatus, title: String) -> OperatorCommand {
    OperatorCommand(
        group: "workflow", name: name, title: title, summary: "\(title) a pending request: ID [--reason TEXT]",
        input: Schema.object(properties: [
            "id": .string(description: "the request's id (wr_…)", minLength: 1, maxLength: 64),
            "reason": .string(description: "why, for the record", maxLength: 1000),
        ], required: ["id"]).positional("id"),
        output: Schemas.request, view: .record, annotations: [.notDestructive], toolset: "workflow", role: .admin
    ) { ctx, args in
        let id = try args.values.string("id")
        let reason = try TextRules.optional(try args.values.optionalString("reason"), "reason", max: 1000)
        let store = WorkflowStore(try ctx.database, now: ctx.nowMilliseconds)
        let request = try store.write {
            guard let request = try store.request(id: id) else { throw ToolError("no request \(id)") }
            guard request.status == .pending else {
                throw ToolError("request \(id) was already \(request.status.rawValue) by \(request.decidedBy ?? "?")")
            }
            try store.decideRequest(id, status: status, by: ctx.operatorName, reason: reason)
            return try store.request(id: id) ?? request
        }
        ctx.emit("workflow.request_\(status.rawValue)", ["id": .string(id), "title": .string(request.title)])
        return .ok(text: "\(status == .accepted ? "Accepted" : "Declined") \(id) \"\(request.title)\".", data: request.json)
    }
}

let acceptCommand = decision("accept", .accepted, title: "Accept")
let declineCommand = decision("decline", .declined, title: "Decline")
