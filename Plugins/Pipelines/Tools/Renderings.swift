import JSON
import PipelineEngine
import ToolsetKit

// How each object reads to an agent. Connections never carry a credential: no password, no
// username, nothing sealed — only what identifies them.

extension Workspace {
    func json(counts: (packages: Int, lastFailed: Int, lastCompleted: Int)) -> JSONValue {
        ["id": .string(id), "name": .string(name), "description": .string(description), "package_count": .int(Int64(counts.packages)),
         "last_failed_jobs_count": .int(Int64(counts.lastFailed)), "last_completed_jobs_count": .int(Int64(counts.lastCompleted)),
         "created_at": timeJSON(createdMs)]
    }
}

extension Connection {
    var summaryJSON: JSONValue { ["id": .string(id), "name": .string(name), "type": .string(type.rawValue), "status": .string(status)] }

    var detailJSON: JSONValue {
        var object = summaryJSON.objectValue!
        object["host"] = .nullable(host)
        object["port"] = port.map { .int(Int64($0)) } ?? .null
        object["database"] = .nullable(databaseName)
        object["path"] = .nullable(type == .postgres ? nil : path)
        object["tunnel_type"] = "none"
        object["created_at"] = timeJSON(createdMs)
        object["last_tested_at"] = timeJSON(lastTestedMs)
        object["last_test_ok"] = lastTestOK.map(JSONValue.bool) ?? .null
        object["suggested_components"] = .object(JSONObject([
            ("source", .string(type.suggestedComponents[0])), ("destination", .string(type.suggestedComponents[1])),
        ]))
        return .object(object)
    }
}

extension PackageSummary {
    func summaryJSON(lastRunStatus: String?) -> JSONValue {
        ["id": .string(id), "name": .string(name), "description": .string(description), "workspace_id": .nullable(workspaceID),
         "flow_type": .string(flowType.rawValue), "status": .string(status.rawValue), "version": .int(Int64(version)),
         "last_run_status": .nullable(lastRunStatus), "created_at": timeJSON(createdMs), "updated_at": timeJSON(updatedMs)]
    }

}

extension Package {
    /// get_package: the summary, a curated graph summary, and the full graph on request.
    func detailJSON(lastRunStatus: String?, fullGraph: Bool) -> JSONValue {
        var object = summary.summaryJSON(lastRunStatus: lastRunStatus).objectValue!
        var tally = JSONObject()
        for component in document.components {
            tally[component.kind.wrapperKey] = .int((tally[component.kind.wrapperKey]?.intValue ?? 0) + 1)
        }
        object["flow_version"] = .string(flowVersion)
        object["graph_summary"] = ["component_count": .int(Int64(document.components.count)), "edge_count": .int(Int64(document.edges.count)),
                                   "component_types": .object(tally), "variables_count": .int(Int64(variables.count))]
        object["components"] = .array(document.components.map { ["id": .string($0.id), "name": .string($0.name), "type": .string($0.kind.wrapperKey)] })
        object["variables"] = .object(variables)
        object["created_by"] = .string(createdBy)
        object["updated_by"] = .string(updatedBy)
        object["archived_at"] = timeJSON(archivedMs)
        if fullGraph { object["data_flow_json"] = document.json }
        return .object(object)
    }
}

extension Cluster {
    func json(now: Int64) -> JSONValue {
        let stoppedAt = terminatedMs ?? idleTermination(now: now)
        return ["id": .string(id), "name": .string(name), "status": .string(status(now: now).rawValue), "type": .string(type),
                "nodes": .int(Int64(nodes)), "region": .string(region), "terminate_on_idle": .bool(terminateOnIdle),
                "idle_timeout_seconds": .int(Int64(idleTimeoutSeconds)), "active_runs": .int(Int64(activeRuns)),
                "created_at": timeJSON(createdMs), "started_at": timeJSON(startedMs), "terminated_at": timeJSON(stoppedAt),
                "last_activity_at": timeJSON(lastActivityMs)]
    }
}

extension Run {
    func json(retries: [String]? = nil) -> JSONValue {
        var object: JSONObject = [
            "id": .string(id), "package_id": .string(packageID), "package_version": .int(Int64(packageVersion)), "cluster_id": .string(clusterID),
            "status": .string(status.rawValue), "created_at": timeJSON(createdMs), "started_at": timeJSON(startedMs),
            "completed_at": timeJSON(completedMs), "runtime_in_seconds": runtimeSeconds.map(JSONValue.double) ?? .null,
            "last_error": .nullable(status == .failed ? lastError : nil), "error_component": .nullable(errorComponent),
            "parent_run_id": .nullable(parentRunID), "started_by": .string(startedByName), "attempt": .int(Int64(attempt)),
            "rows_written": .int(Int64(rowsWritten)), "component_rows": componentRows, "variables": .object(variables),
        ]
        if let retries { object["retry_run_ids"] = .array(retries.map { .string($0) }) }
        return .object(object)
    }
}

extension PipelineSchedule {
    func json(nextRunMs: Int64?) -> JSONValue {
        ["id": .string(id), "name": .string(name), "package_id": .string(packageID), "cluster_id": .nullable(clusterID), "cron": .string(cron),
         "time_zone": .string(timeZone), "enabled": .bool(enabled), "next_run_at": timeJSON(enabled ? nextRunMs : nil),
         "variables": .object(variables), "last_fired_at": timeJSON(lastFiredMs), "last_run_id": .nullable(lastRunID),
         "created_at": timeJSON(createdMs), "updated_at": timeJSON(updatedMs)]
    }

    func nextRun(after now: Int64) -> Int64? { try? Cron.next(cron, timeZone: timeZone, after: now) }
}

extension ComponentTypeSpec {
    var summaryJSON: JSONValue {
        ["name": .string(kind.rawValue), "category": .string(category.rawValue), "class_name": .string(className), "docstring": .string(docstring),
         "wrapper_key": .string(kind.wrapperKey), "specific_component_type": .string(kind.rawValue)]
    }

    var detailJSON: JSONValue {
        var object = summaryJSON.objectValue!
        object["inputs"] = .string(inputsSummary)
        object["properties"] = .array((ComponentCatalog.commonProperties + properties).map(\.json))
        object["required"] = .array(required.map { .string($0) })
        object["fixture"] = .object(example)
        object["wrapper_example"] = wrapperExample
        return .object(object)
    }

    var inputsSummary: String {
        switch inputs {
        case .none: "none (a source)"
        case .one: "exactly one input edge"
        case .ports(let ports): "one edge on each port: " + ports.joined(separator: ", ") + " (set \"port\" on the edge)"
        case .many: "one or more input edges with the same field names"
        }
    }
}

extension PropertySpec {
    var json: JSONValue {
        var object: JSONObject = ["name": .string(name), "type": .string(typeName), "required": .bool(required), "description": .string(description)]
        if let defaultValue { object["default"] = defaultValue }
        if case .choice(let options) = kind { object["enum"] = .array(options.map { .string($0) }) }
        if case .objectList(let members) = kind { object["items"] = .array(members.map(\.json)) }
        return .object(object)
    }

    private var typeName: String {
        switch kind {
        case .string: "string"
        case .integer: "integer"
        case .boolean: "boolean"
        case .expression: "expression"
        case .choice: "string (one of enum)"
        case .character: "character"
        case .stringList: "array of strings"
        case .objectList: "array of objects"
        case .schema: "object {fields: [{name, type}]}"
        }
    }
}
