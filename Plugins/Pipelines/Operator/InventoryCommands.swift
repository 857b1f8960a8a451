import Foundation
import JSON
import PipelineEngine
import ToolsetKit

// `toolhost pipelines workspace|connection|cluster …`: what operators set up and agents then use.

enum WorkspaceAction: String, CaseIterable { case create, list }

let workspaceCommand = OperatorCommand(
    group: "pipelines", name: "workspace", title: "Workspaces",
    summary: "create NAME [--description D] | list; create prints the workspace's id",
    description: "Workspaces group packages; list_workspaces shows each with its package and run counts.",
    input: Schema.object(properties: [
        "action": .string(description: "create or list", enum: WorkspaceAction.allCases.map(\.rawValue)),
        "name": .string(description: "the workspace's name (create)", minLength: 1, maxLength: Limits.nameLength),
        "description": .string(description: "what it is for (create)", maxLength: Limits.descriptionLength),
    ], required: ["action"]).positional("action", "name"),
    output: Schema.object(properties: ["workspaces": .array(of: Schemas.workspace)], required: ["workspaces"], additionalProperties: true),
    view: .table(rows: "/workspaces", columns: [.init("id", "Workspace"), .init("name", "Name"), .init("package_count", "Packages")], rowActions: []),
    annotations: [.notDestructive], toolset: "pipelines", role: .admin
) { ctx, args in
    let op = try OperatorCall(ctx, args)
    switch try op.action(WorkspaceAction.self) {
    case .create:
        guard let given = try op.values.optionalString("name") else { throw ToolError("workspace create needs a NAME") }
        let name = try TextRules.required(given, "name", max: Limits.nameLength, trimmed: true)
        let workspace = try op.write {
            try op.store.createWorkspace(name: name, description: try op.values.optionalString("description") ?? "", by: op.who)
        }
        op.audit(.workspaceCreated, ["workspace_id": .string(workspace.id), "name": .string(name)])
        return .ok(text: workspace.id, data: ["workspaces": [workspace.json(counts: (0, 0, 0))]])
    case .list:
        let rows = try op.store.workspaces(after: nil, limit: 10_000).map { ($0, try op.store.workspaceCounts($0.id)) }
        let text = rows.isEmpty ? "No workspaces; create one with toolhost pipelines workspace create --tenant T NAME"
            : textTable(["WORKSPACE", "PACKAGES", "NAME"], rows.map { [$0.0.id, String($0.1.packages), $0.0.name] })
        return .ok(text: text, data: ["workspaces": .array(rows.map { $0.0.json(counts: $0.1) })])
    }
}

enum ConnectionAction: String, CaseIterable { case create, list, delete }

let connectionCommand = OperatorCommand(
    group: "pipelines", name: "connection", title: "Connections",
    summary: "create --name N --type sqlite --path FILE | --type postgres --host H --port P --database D --user U --password-stdin | "
        + "--type files --path DIR; list; delete ID. create prints the connection's id",
    description: "Passwords are read from stdin, sealed with AES-256-GCM under a key in the data folder, and never shown again: no tool, log "
        + "or command returns them. A connection used by an active package cannot be deleted.",
    input: Schema.object(properties: [
        "action": .string(description: "create, list or delete", enum: ConnectionAction.allCases.map(\.rawValue)),
        "id": .string(description: "the connection's id (delete)", maxLength: 64),
        "name": .string(description: "a name agents will see (create)", minLength: 1, maxLength: Limits.nameLength),
        "type": .string(description: "sqlite, postgres or files (create)", enum: ConnectionType.allCases.map(\.rawValue)),
        "path": .string(description: "sqlite: the database file; files: the folder (create)", minLength: 1, maxLength: 4096),
        "host": .string(description: "postgres: host name or address", minLength: 1, maxLength: 255),
        "port": .integer(description: "postgres: port (default 5432)", minimum: 1, maximum: 65535),
        "database": .string(description: "postgres: database name", minLength: 1, maxLength: 255),
        "user": .string(description: "postgres: user name", minLength: 1, maxLength: 255),
        "password": Schema.string(description: "postgres: password", maxLength: 1024).secret,
    ], required: ["action"]).positional("action", "id"),
    output: Schema.object(properties: ["connections": .array(of: Schemas.connection)], required: ["connections"], additionalProperties: true),
    view: .table(rows: "/connections", columns: [.init("id", "Connection"), .init("name", "Name"), .init("type", "Type"), .init("status", "Status")],
                 rowActions: [.init("connection", label: "Delete", args: ["action": "delete", "id": "{id}"])]),
    annotations: [.destructive], toolset: "pipelines", role: .admin
) { ctx, args in
    let op = try OperatorCall(ctx, args)
    switch try op.action(ConnectionAction.self) {
    case .create: return try createConnection(op)
    case .list:
        let rows = try op.store.connections(type: nil, after: nil, limit: 10_000)
        let text = rows.isEmpty ? "No connections; create one with toolhost pipelines connection create --tenant T --name N --type …"
            : textTable(["CONNECTION", "TYPE", "STATUS", "NAME", "WHERE"], rows.map { c in
                [c.id, c.type.rawValue, c.status, c.name, c.type == .postgres ? "\(c.host ?? ""):\(c.port ?? 5432)/\(c.databaseName ?? "")" : c.path ?? ""]
            })
        return .ok(text: text, data: ["connections": .array(rows.map(\.detailJSON))])
    case .delete:
        guard let id = try op.values.optionalString("id") else { throw ToolError("connection delete needs the connection's ID") }
        let connection = try op.write {
            let connection = try op.store.existingConnection(id)
            let users = try op.store.packagesUsing(connection: connection.id)
            guard users.isEmpty else {
                throw ToolError("connection \(connection.id) is used by active package(s) \(users.joined(separator: ", ")); change or archive them first")
            }
            try op.store.deleteConnection(connection)
            return connection
        }
        op.audit(.connectionDeleted, ["connection_id": .string(connection.id)])
        return .ok(text: "Deleted connection \(connection.id) (\(connection.name))", data: ["connections": []])
    }
}

private func createConnection(_ op: OperatorCall) throws -> OperatorResult {
    let v = op.values
    guard let given = try v.optionalString("name"), let typeWord = try v.optionalString("type"), let type = ConnectionType(rawValue: typeWord) else {
        throw ToolError("connection create needs --name and --type (sqlite, postgres or files)")
    }
    let name = try TextRules.required(given, "name", max: Limits.nameLength, trimmed: true)
    var new = PipelinesStore.NewConnection(name: name, type: type)
    var password: String?
    switch type {
    case .sqlite, .files:
        guard let path = try v.optionalString("path"), path.hasPrefix("/") else { throw ToolError("--type \(type.rawValue) needs --path, an absolute path") }
        for option in ["host", "port", "database", "user", "password"] where v.has(option) { throw ToolError("--\(option) is for postgres connections") }
        new.path = URL(fileURLWithPath: path).standardizedFileURL.path
        try checkPath(new.path!, type)
    case .postgres:
        guard let host = try v.optionalString("host"), let database = try v.optionalString("database"), let user = try v.optionalString("user") else {
            throw ToolError("--type postgres needs --host, --database and --user (and the password on stdin with --password-stdin)")
        }
        if v.has("path") { throw ToolError("--path is for sqlite and files connections") }
        new.host = host
        new.port = try v.optionalInt("port") ?? 5432
        new.databaseName = database
        new.username = user
        password = try v.optionalString("password")
    }
    let folder = try op.context.filesFolder()
    let connection = try op.write {
        var created = try op.store.createConnection(new, by: op.who)
        if let password {
            let sealed = try ConnectionSecrets(folder: folder).seal(password, connectionID: created.id)
            try op.store.database.run("UPDATE connections SET password_sealed = ? WHERE id = ?", [.blob(sealed), .text(created.id)])
            created = try op.store.existingConnection(created.id)
        }
        return created
    }
    op.audit(.connectionCreated, ["connection_id": .string(connection.id), "type": .string(type.rawValue), "name": .string(name)])
    // The id alone on stdout, so scripts can write CONN=$(toolhost pipelines connection create …).
    return .ok(text: connection.id, data: ["connections": [connection.detailJSON]])
}

/// A files connection's folder must exist; a SQLite file is created (empty) when missing, so a new
/// warehouse can be registered before anything is written to it.
private func checkPath(_ path: String, _ type: ConnectionType) throws {
    var isFolder: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
    switch type {
    case .files:
        guard exists, isFolder.boolValue else { throw ToolError("--path \(path) is not a folder") }
    case .sqlite:
        if exists {
            guard !isFolder.boolValue else { throw ToolError("--path \(path) is a folder, not a SQLite database file") }
        } else {
            do { _ = try Database(path: path) } catch { throw ToolError("cannot create the SQLite database \(path): \(error.message)") }
        }
    case .postgres: break
    }
}

enum ClusterAction: String, CaseIterable { case create, list, terminate, resize }

let clusterCommand = OperatorCommand(
    group: "pipelines", name: "cluster", title: "Clusters",
    summary: "create --name N --nodes K [--terminate-on-idle] [--idle-timeout SECONDS] | list | terminate ID | resize ID --nodes K",
    description: "A cluster runs up to `nodes` runs at once; more wait in its queue. With --terminate-on-idle it stops after idle-timeout seconds "
        + "(default \(Limits.defaultIdleSeconds)) without runs, and the next run starts it again. run_package without cluster_id uses the oldest cluster.",
    input: Schema.object(properties: [
        "action": .string(description: "create, list, terminate or resize", enum: ClusterAction.allCases.map(\.rawValue)),
        "id": .string(description: "the cluster's id (terminate, resize)", maxLength: 64),
        "name": .string(description: "the cluster's name (create)", minLength: 1, maxLength: Limits.nameLength),
        "nodes": .integer(description: "runs in parallel (create, resize)", minimum: 1, maximum: Limits.clusterNodesMax),
        "terminate-on-idle": .boolean(description: "stop when idle (create)"),
        "idle-timeout": .integer(description: "seconds without runs before an idle stop (create)", minimum: 1, maximum: 7 * 86_400),
        "type": .string(description: "a label: production or sandbox (create; default production)", enum: ["production", "sandbox"]),
    ], required: ["action"]).positional("action", "id"),
    output: Schema.object(properties: ["clusters": .array(of: Schemas.cluster)], required: ["clusters"], additionalProperties: true),
    view: .table(rows: "/clusters", columns: [.init("id", "Cluster"), .init("name", "Name"), .init("status", "Status"), .init("nodes", "Nodes"),
                                             .init("active_runs", "Active runs")],
                 rowActions: [.init("cluster", label: "Terminate", args: ["action": "terminate", "id": "{id}"])]),
    annotations: [.notDestructive], toolset: "pipelines", role: .admin
) { ctx, args in
    let op = try OperatorCall(ctx, args)
    let now = op.store.now
    switch try op.action(ClusterAction.self) {
    case .create:
        guard let given = try op.values.optionalString("name"), let nodes = try op.values.optionalInt("nodes") else {
            throw ToolError("cluster create needs --name and --nodes")
        }
        let cluster = try op.write {
            try op.store.createCluster(PipelinesStore.NewCluster(
                name: try TextRules.required(given, "name", max: Limits.nameLength, trimmed: true), nodes: nodes,
                type: try op.values.optionalString("type") ?? "production", terminateOnIdle: try op.values.optionalBool("terminate-on-idle") ?? false,
                idleTimeoutSeconds: try op.values.optionalInt("idle-timeout") ?? Limits.defaultIdleSeconds), by: op.who)
        }
        op.audit(.clusterCreated, ["cluster_id": .string(cluster.id), "nodes": .int(Int64(nodes))])
        return .ok(text: cluster.id, data: ["clusters": [cluster.json(now: now)]])
    case .list:
        let rows = try op.store.clusters(after: nil, limit: 10_000)
        let text = rows.isEmpty ? "No clusters; create one with toolhost pipelines cluster create --tenant T --name N --nodes K"
            : textTable(["CLUSTER", "STATUS", "NODES", "ACTIVE", "NAME"], rows.map {
                [$0.id, $0.status(now: now).rawValue, String($0.nodes), String($0.activeRuns), $0.name]
            })
        return .ok(text: text, data: ["clusters": .array(rows.map { $0.json(now: now) })])
    case .terminate, .resize:
        guard let id = try op.values.optionalString("id") else { throw ToolError("cluster terminate/resize needs the cluster's ID") }
        let action = try op.action(ClusterAction.self)
        let cluster = try op.write {
            let cluster = try op.store.existingCluster(id)
            if action == .terminate {
                guard cluster.activeRuns == 0 else { throw ToolError("cluster \(cluster.id) has \(cluster.activeRuns) queued or running run(s); cancel them first") }
                try op.store.terminate(cluster)
            } else {
                guard let nodes = try op.values.optionalInt("nodes") else { throw ToolError("cluster resize needs --nodes") }
                try op.store.setNodes(cluster, nodes: nodes)
            }
            return try op.store.existingCluster(cluster.id)
        }
        op.audit(.clusterChanged, ["cluster_id": .string(cluster.id), "action": .string(action.rawValue), "nodes": .int(Int64(cluster.nodes))])
        return .ok(text: "Cluster \(cluster.id) is \(cluster.status(now: now).rawValue) with \(cluster.nodes) node(s)",
                   data: ["clusters": [cluster.json(now: now)]])
    }
}
