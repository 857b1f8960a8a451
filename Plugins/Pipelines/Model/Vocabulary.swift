/// The words the pipelines toolset uses, each said once.
enum ConnectionType: String, CaseIterable {
    case sqlite
    case postgres
    case files

    var isDatabase: Bool { self != .files }

    /// The components an agent should use with this connection (get_connection's suggested_components).
    var suggestedComponents: [String] {
        switch self {
        case .sqlite, .postgres: ["database_source_component", "database_destination_component"]
        case .files: ["file_source_component", "file_destination_component"]
        }
    }
}

enum RunStatus: String, CaseIterable {
    case queued
    case running
    case completed
    case failed
    case cancelled

    var isFinished: Bool { self == .completed || self == .failed || self == .cancelled }
}

enum ClusterStatus: String, CaseIterable {
    /// Started; runs start on it at once (up to its node count in parallel).
    case available
    /// Stopped after sitting idle (terminate_on_idle); the next run starts it again.
    case terminated
}

enum FlowType: String, CaseIterable {
    case dataflow
    case workflow
}

enum PackageStatus: String, CaseIterable {
    case active
    case archived
}

/// What search_all searches.
enum SearchType: String, CaseIterable {
    case connection
    case package
    case cluster
    case workspace

    var plural: String { rawValue + "s" }
}

/// Audit event kinds (the host's audit trail; each names the token or operator).
enum AuditKind: String {
    case packageCreated = "pipelines.package_created"
    case packageChanged = "pipelines.package_changed"
    case packageArchived = "pipelines.package_archived"
    case packageReverted = "pipelines.package_reverted"
    case runStarted = "pipelines.run_started"
    case runCancelRequested = "pipelines.run_cancel_requested"
    case scheduleToggled = "pipelines.schedule_toggled"
    case scheduleCreated = "pipelines.schedule_created"
    case scheduleDeleted = "pipelines.schedule_deleted"
    case workspaceCreated = "pipelines.workspace_created"
    case connectionCreated = "pipelines.connection_created"
    case connectionDeleted = "pipelines.connection_deleted"
    case clusterCreated = "pipelines.cluster_created"
    case clusterChanged = "pipelines.cluster_changed"
}
