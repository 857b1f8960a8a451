import JSON
import ToolsetKit

struct Idea {
    let seq: Int64
    let id: String
    let title: String
    let description: String
    let category: String?
    let toolsets: [String]
    let archived: Bool
    let createdMs: Int64

    var json: JSONValue {
        ["id": .string(id), "title": .string(title), "description": .string(description), "category": JSONValue.nullable(category),
         "toolsets": .array(toolsets.map(JSONValue.string)), "created_at": JSONValue.time(createdMs)]
    }
}

struct WorkflowRequest {
    let seq: Int64
    let id: String
    let title: String
    let description: String
    let desiredTrigger: String?
    let example: String?
    let status: RequestStatus
    let tokenID: String
    let tokenName: String
    let createdMs: Int64
    let decidedBy: String?
    let decidedMs: Int64?
    let reason: String?

    var json: JSONValue {
        ["id": .string(id), "title": .string(title), "description": .string(description), "desired_trigger": JSONValue.nullable(desiredTrigger),
         "example": JSONValue.nullable(example), "status": .string(status.rawValue),
         "submitted_by": ["token_id": .string(tokenID), "token_name": .string(tokenName)], "created_at": JSONValue.time(createdMs),
         "decided_by": JSONValue.nullable(decidedBy), "decided_at": JSONValue.time(decidedMs), "reason": JSONValue.nullable(reason)]
    }
}

struct Recipe {
    let seq: Int64
    let id: String
    let name: String
    let description: String
    let inputSchema: JSONValue
    let steps: [RecipeStep]
    let enabled: Bool
    let createdMs: Int64
    let updatedMs: Int64

    /// What agents see: what it does and what it takes, not the operator's URLs and headers.
    var agentJSON: JSONValue {
        ["id": .string(id), "name": .string(name), "description": .string(description), "input_schema": inputSchema,
         "steps": .array(steps.map { .string($0.summary) }), "updated_at": JSONValue.time(updatedMs)]
    }

    /// Everything, for operators.
    var fullJSON: JSONValue {
        ["id": .string(id), "name": .string(name), "description": .string(description), "input_schema": inputSchema,
         "steps": .array(steps.map(\.json)), "enabled": .bool(enabled), "created_at": JSONValue.time(createdMs), "updated_at": JSONValue.time(updatedMs)]
    }
}

struct StepRecord {
    let position: Int
    let name: String
    let type: StepType
    var status: StepStatus
    var output: JSONValue
    var error: String?
    var attempts: Int
    var startedMs: Int64?
    var finishedMs: Int64?

    var json: JSONValue {
        ["position": .int(Int64(position)), "name": .string(name), "type": .string(type.rawValue), "status": .string(status.rawValue),
         "output": output, "error": JSONValue.nullable(error), "attempts": .int(Int64(attempts)), "started_at": JSONValue.time(startedMs),
         "finished_at": JSONValue.time(finishedMs)]
    }
}

struct Run {
    let seq: Int64
    let id: String
    let recipeID: String
    let recipeName: String
    let steps: [RecipeStep]
    let inputs: JSONValue
    var status: RunStatus
    let jobID: String?
    let tokenID: String
    let tokenName: String
    var error: String?
    let createdMs: Int64
    var startedMs: Int64?
    var finishedMs: Int64?

    func json(steps records: [StepRecord]?) -> JSONValue {
        var object: JSONObject = [
            "id": .string(id), "recipe_id": .string(recipeID), "recipe_name": .string(recipeName), "status": .string(status.rawValue),
            "inputs": inputs, "triggered_by": ["token_id": .string(tokenID), "token_name": .string(tokenName)],
            "error": JSONValue.nullable(error), "created_at": JSONValue.time(createdMs), "started_at": JSONValue.time(startedMs), "finished_at": JSONValue.time(finishedMs),
        ]
        if let records { object["steps"] = .array(records.map(\.json)) }
        return .object(object)
    }
}
