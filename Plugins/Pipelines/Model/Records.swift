import JSON
import PipelineEngine
import ToolsetKit

struct Workspace {
    let seq: Int64
    let id: String
    let name: String
    let description: String
    let createdMs: Int64
    let createdBy: String
}

struct Connection {
    let seq: Int64
    let id: String
    let name: String
    let type: ConnectionType
    let path: String?
    let host: String?
    let port: Int?
    let databaseName: String?
    let username: String?
    let passwordSealed: [UInt8]?
    let createdMs: Int64
    let createdBy: String
    let lastTestedMs: Int64?
    let lastTestOK: Bool?
    let lastTestError: String?

    /// "active" until a test fails; the last test's outcome otherwise.
    var status: String {
        switch lastTestOK {
        case .some(false): "failing"
        default: "active"
        }
    }
}

/// A package without its graph: what lists and search show, read without parsing data_flow_json.
struct PackageSummary {
    let seq: Int64
    let id: String
    let name: String
    let description: String
    let workspaceID: String?
    let flowType: FlowType
    let status: PackageStatus
    let version: Int
    let createdMs: Int64
    let updatedMs: Int64
}

struct Package {
    let seq: Int64
    let id: String
    var name: String
    var description: String
    var workspaceID: String?
    let flowType: FlowType
    var flowVersion: String
    var status: PackageStatus
    var document: FlowDocument
    /// Public variables: name → default (a JSON scalar).
    var variables: JSONObject
    var version: Int
    let createdMs: Int64
    let createdBy: String
    var updatedMs: Int64
    var updatedBy: String
    var archivedMs: Int64?

    var summary: PackageSummary {
        PackageSummary(seq: seq, id: id, name: name, description: description, workspaceID: workspaceID, flowType: flowType, status: status,
                       version: version, createdMs: createdMs, updatedMs: updatedMs)
    }

    /// What a version snapshot keeps (and revert restores).
    var snapshot: JSONValue {
        ["name": .string(name), "description": .string(description), "workspace_id": .nullable(workspaceID),
         "flow_version": .string(flowVersion), "data_flow_json": document.json, "variables": .object(variables)]
    }
}

struct Cluster {
    let seq: Int64
    let id: String
    let name: String
    let nodes: Int
    let type: String
    let region: String
    let terminateOnIdle: Bool
    let idleTimeoutSeconds: Int
    let createdMs: Int64
    let createdBy: String
    let startedMs: Int64?
    let terminatedMs: Int64?
    let lastActivityMs: Int64
    /// Runs queued or running on it (filled in by the store).
    var activeRuns: Int

    /// A cluster with terminate_on_idle stops once nothing ran on it for idle_timeout_seconds. The
    /// stop is worked out when the cluster is read (no timer needed): it happened at last activity + timeout.
    func idleTermination(now: Int64) -> Int64? {
        guard terminatedMs == nil, terminateOnIdle, activeRuns == 0 else { return nil }
        let at = lastActivityMs + Int64(idleTimeoutSeconds) * 1000
        return at <= now ? at : nil
    }

    func status(now: Int64) -> ClusterStatus { terminatedMs != nil || idleTermination(now: now) != nil ? .terminated : .available }
}

struct Run {
    let seq: Int64
    let id: String
    let packageID: String
    let packageVersion: Int
    let clusterID: String
    let parentRunID: String?
    var status: RunStatus
    let variables: JSONObject
    var jobID: String?
    let startedBy: String
    let startedByName: String
    var attempt: Int
    let createdMs: Int64
    var startedMs: Int64?
    var completedMs: Int64?
    var cancelRequested: Bool
    var lastError: String?
    var errorComponent: String?
    var componentRows: JSONValue
    var rowsWritten: Int

    var runtimeSeconds: Double? {
        guard let startedMs else { return nil }
        return Double((completedMs ?? startedMs) - startedMs) / 1000
    }
}

struct PipelineSchedule {
    let seq: Int64
    let id: String
    let name: String
    let packageID: String
    let clusterID: String?
    let cron: String
    let timeZone: String
    var enabled: Bool
    let variables: JSONObject
    let createdMs: Int64
    let createdBy: String
    var updatedMs: Int64
    var lastFiredMs: Int64?
    var lastRunID: String?

    /// The host's name for this schedule's timer (header section 8).
    var hostScheduleName: String { "pipelines." + id }
}

struct PackageVersion {
    let packageID: String
    let version: Int
    let changedMs: Int64
    let changedBy: String
    let change: String
    let summary: String
    let snapshot: JSONValue
}
