import ToolsetKit

// Input and output schemas the tools share, written once. Records are open objects (more fields
// may be added in later versions); lists page with next_cursor.

enum Schemas {
    static let time = Schema.string(format: "date-time").orNull
    static let nextCursor = Schema.string(description: "Pass as cursor for the next page; null at the end").orNull

    static func record(_ properties: KeyValuePairs<String, Schema>, required: [String]) -> Schema {
        Schema.object(properties: properties, required: required, additionalProperties: true)
    }

    static let workspace = record(["id": .string(), "name": .string(), "package_count": .integer(minimum: 0),
                                   "last_failed_jobs_count": .integer(minimum: 0), "last_completed_jobs_count": .integer(minimum: 0)],
                                  required: ["id", "name", "package_count", "last_failed_jobs_count", "last_completed_jobs_count"])
    static let connection = record(["id": .string(), "name": .string(), "type": .string(enum: ConnectionType.allCases.map(\.rawValue)),
                                    "status": .string()], required: ["id", "name", "type", "status"])
    static let package = record(["id": .string(), "name": .string(), "flow_type": .string(enum: FlowType.allCases.map(\.rawValue)),
                                 "status": .string(enum: PackageStatus.allCases.map(\.rawValue)), "version": .integer(minimum: 1),
                                 "last_run_status": Schema.string().orNull, "workspace_id": Schema.string().orNull],
                                required: ["id", "name", "flow_type", "status", "version", "last_run_status"])
    static let cluster = record(["id": .string(), "name": .string(), "status": .string(enum: ClusterStatus.allCases.map(\.rawValue)),
                                 "nodes": .integer(minimum: 1), "terminate_on_idle": .boolean()],
                                required: ["id", "name", "status", "nodes", "terminate_on_idle"])
    static let run = record(["id": .string(), "package_id": .string(), "cluster_id": .string(), "status": .string(enum: RunStatus.allCases.map(\.rawValue)),
                             "started_at": time, "completed_at": time, "runtime_in_seconds": Schema.number().orNull,
                             "last_error": Schema.string().orNull],
                            required: ["id", "package_id", "cluster_id", "status", "started_at", "completed_at", "runtime_in_seconds", "last_error"])
    static let schedule = record(["id": .string(), "name": .string(), "package_id": .string(), "cron": .string(), "next_run_at": time,
                                  "enabled": .boolean()], required: ["id", "name", "package_id", "cron", "next_run_at", "enabled"])
    static let componentIssue = record(["component": Schema.string().orNull, "message": .string()], required: ["component", "message"])

    static func list(_ key: String, of item: Schema) -> Schema {
        Schema.object(properties: [key: .array(of: item), "next_cursor": nextCursor], required: [key, "next_cursor"], additionalProperties: true)
    }

    // Inputs

    static let cursor = Schema.string(description: "next_cursor from the previous page, unchanged", maxLength: 200)
    static let limit = Schema.integer(description: "Items per page, 1–\(Limits.pageMax) (default \(Limits.pageDefault))", minimum: 1, maximum: Limits.pageMax)
    static let packageID = Schema.string(description: "A package id (pkg_…), from list_packages", minLength: 1, maxLength: 64)
    static let connectionID = Schema.string(description: "A connection id (conn_…), from list_connections", minLength: 1, maxLength: 64)
    static let runID = Schema.string(description: "A run id (run_…), from list_runs or run_package", minLength: 1, maxLength: 64)
    static let clusterID = Schema.string(description: "A cluster id (cl_…), from list_clusters", minLength: 1, maxLength: 64)
    static let scheduleID = Schema.string(description: "A schedule id (sch_…), from list_schedules", minLength: 1, maxLength: 64)
    static let workspaceID = Schema.string(description: "A workspace id (ws_…), from list_workspaces", minLength: 1, maxLength: 64)
    static let variables = Schema.object(description: "Variable values by name (strings, numbers or booleans); $name in expressions",
                                         additionalProperties: true)
    static func logTail(_ defaultLines: Int) -> Schema {
        Schema.integer(description: "Trailing log lines to return (default \(defaultLines), max \(Limits.logTailMax))", minimum: 1, maximum: Limits.logTailMax)
    }
    static let components = Schema.array(of: Schema.object(description: "One component: {\"<type>_component\": {\"name\": …, …}}", additionalProperties: true),
                                         description: "Components in data_flow_json form; describe_component_type shows each type's wrapper_example",
                                         maxItems: Limits.componentsPerPackage)
    static let edges = Schema.array(of: Schema.object(properties: [
        "id": .string(), "source": .string(description: "The upstream component's id"), "target": .string(description: "The downstream component's id"),
        "port": .string(description: "For a join: \"left\" or \"right\""),
    ], required: ["source", "target"]), description: "Edges between component ids", maxItems: Limits.edgesPerPackage)
}
