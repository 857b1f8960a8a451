import ToolsetKit

/// Paging rules the tools share.
enum Rules {
    static func limit(_ arguments: ToolArguments) throws(ToolError) -> Int {
        try arguments.pageLimit(default: Limits.pageDefault, max: Limits.pageMax)
    }
}

/// Inputs and outputs the tools share.
enum Schemas {
    static let limit = Schema.integer(description: "Items per page, 1–\(Limits.pageMax) (default \(Limits.pageDefault))", minimum: 1, maximum: Limits.pageMax)
    static let cursor = Schema.string(description: "next_cursor from the previous page, unchanged", maxLength: 300)
    static let nextCursor = Schema.string(description: "Pass as cursor for the next page; null at the end").orNull
    static let by = Schema.object(properties: ["token_id": .string(), "token_name": .string()], required: ["token_id", "token_name"])

    static let idea = Schema.object(properties: [
        "id": .string(), "title": .string(), "description": .string(), "category": Schema.string().orNull,
        "toolsets": .array(of: .string(), description: "The toolsets the idea would use"), "created_at": .string(format: "date-time"),
    ], required: ["id", "title", "description", "category", "toolsets", "created_at"])

    static let request = Schema.object(properties: [
        "id": .string(), "title": .string(), "description": .string(), "desired_trigger": Schema.string().orNull,
        "example": Schema.string().orNull, "status": .string(enum: RequestStatus.names), "submitted_by": by,
        "created_at": .string(format: "date-time"), "decided_by": Schema.string().orNull,
        "decided_at": Schema.string(format: "date-time").orNull, "reason": Schema.string().orNull,
    ], required: ["id", "title", "description", "status", "submitted_by", "created_at"])

    static let recipe = Schema.object(properties: [
        "id": .string(description: "Recipe id (rcp_…)"), "name": .string(), "description": .string(),
        "input_schema": .object(description: "JSON Schema trigger_recipe's inputs must match", additionalProperties: true),
        "steps": .array(of: .string(), description: "What each step does, in order"), "updated_at": .string(format: "date-time"),
    ], required: ["id", "name", "description", "input_schema", "steps", "updated_at"])

    static let step = Schema.object(properties: [
        "position": .integer(minimum: 1), "name": .string(), "type": .string(enum: StepType.names), "status": .string(enum: StepStatus.names),
        "output": Schema.raw(["description": "What the step produced (a tool's structuredContent, or an HTTP status and body)"]),
        "error": Schema.string().orNull, "attempts": .integer(minimum: 0),
        "started_at": Schema.string(format: "date-time").orNull, "finished_at": Schema.string(format: "date-time").orNull,
    ], required: ["position", "name", "type", "status", "output", "error"])

    static let run = Schema.object(properties: [
        "id": .string(description: "Run id (run_…)"), "recipe_id": .string(), "recipe_name": .string(), "status": .string(enum: RunStatus.names),
        "inputs": Schema.raw([:]), "triggered_by": by, "error": Schema.string().orNull, "created_at": .string(format: "date-time"),
        "started_at": Schema.string(format: "date-time").orNull, "finished_at": Schema.string(format: "date-time").orNull,
        "steps": .array(of: step),
    ], required: ["id", "recipe_id", "recipe_name", "status", "inputs", "triggered_by", "error", "created_at"])
}
