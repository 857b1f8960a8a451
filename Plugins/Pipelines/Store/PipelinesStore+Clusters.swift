import SQLite
import ToolsetKit

// Clusters: named worker pools. `nodes` is how many runs of the cluster execute at once; the rest
// wait in the queue. An idle cluster with terminate_on_idle stops; the next run starts it again.
extension PipelinesStore {
    private static let clusterSelect = """
        SELECT c.seq, c.id, c.name, c.nodes, c.type, c.region, c.terminate_on_idle, c.idle_timeout_seconds, c.created_ms, c.created_by,
               c.started_ms, c.terminated_ms, c.last_activity_ms,
               (SELECT count(*) FROM runs r WHERE r.cluster_id = c.id AND r.status IN ('queued', 'running'))
        FROM clusters c
        """

    private static func cluster(_ row: Row) -> Cluster {
        Cluster(seq: row.int64(0), id: row.string(1), name: row.string(2), nodes: row.int(3), type: row.string(4), region: row.string(5),
                terminateOnIdle: row.int(6) != 0, idleTimeoutSeconds: row.int(7), createdMs: row.int64(8), createdBy: row.string(9),
                startedMs: row.optionalInt64(10), terminatedMs: row.optionalInt64(11), lastActivityMs: row.int64(12), activeRuns: row.int(13))
    }

    func clusters(after: Int64?, limit: Int) throws -> [Cluster] {
        try database.query("\(Self.clusterSelect) WHERE c.seq > ? ORDER BY c.seq LIMIT ?", [.int(after ?? 0), Self.pageLimit(limit)], Self.cluster)
    }

    func cluster(_ idOrName: String) throws -> Cluster? {
        try database.queryOne("\(Self.clusterSelect) WHERE c.id = ? OR c.name = ? ORDER BY c.id = ? DESC LIMIT 1",
                              [.text(idOrName), .text(idOrName), .text(idOrName)], Self.cluster)
    }

    func existingCluster(_ id: String) throws -> Cluster {
        guard let cluster = try cluster(id) else { throw ToolError.unknown("cluster", id, hint: "list_clusters lists them") }
        return cluster
    }

    /// run_package without cluster_id: the oldest cluster (operators create the default one first).
    func defaultCluster() throws -> Cluster {
        guard let cluster = try clusters(after: nil, limit: 1).first else {
            throw ToolError("This workspace has no cluster to run on; an operator creates one with "
                + "`toolhost pipelines cluster create --tenant T --name N --nodes K`")
        }
        return cluster
    }

    struct NewCluster {
        var name: String
        var nodes: Int
        var type: String
        var terminateOnIdle: Bool
        var idleTimeoutSeconds: Int
    }

    func createCluster(_ new: NewCluster, by: String) throws -> Cluster {
        guard try cluster(new.name) == nil else { throw ToolError("A cluster named \"\(new.name)\" already exists") }
        let id = randomID("cl_")
        try database.run("""
            INSERT INTO clusters (id, name, nodes, type, region, terminate_on_idle, idle_timeout_seconds, created_ms, created_by, started_ms, last_activity_ms)
            VALUES (?, ?, ?, ?, 'local', ?, ?, ?, ?, ?, ?)
            """, [.text(id), .text(new.name), .int(Int64(new.nodes)), .text(new.type), .int(new.terminateOnIdle ? 1 : 0),
                  .int(Int64(new.idleTimeoutSeconds)), .int(now), .text(by), .int(now), .int(now)])
        try index(.cluster, id: id, name: new.name, body: "\(new.type) \(new.nodes) nodes")
        return try existingCluster(id)
    }

    /// Makes a terminated (or idle-expired) cluster available again, for a run about to use it.
    /// Returns true when it had to be started.
    @discardableResult
    func ensureStarted(_ cluster: Cluster) throws -> Bool {
        if let stoppedAt = cluster.idleTermination(now: now) {
            try database.run("UPDATE clusters SET terminated_ms = ? WHERE id = ? AND terminated_ms IS NULL", [.int(stoppedAt), .text(cluster.id)])
        }
        let wasStopped = cluster.status(now: now) == .terminated
        try database.run("""
            UPDATE clusters SET terminated_ms = NULL, last_activity_ms = ?, started_ms = CASE WHEN ? THEN ? ELSE started_ms END WHERE id = ?
            """, [.int(now), .int(wasStopped ? 1 : 0), .int(now), .text(cluster.id)])
        return wasStopped
    }

    func touch(clusterID: String) throws {
        try database.run("UPDATE clusters SET last_activity_ms = ? WHERE id = ?", [.int(now), .text(clusterID)])
    }

    func terminate(_ cluster: Cluster) throws {
        try database.run("UPDATE clusters SET terminated_ms = ? WHERE id = ? AND terminated_ms IS NULL", [.int(now), .text(cluster.id)])
    }

    func setNodes(_ cluster: Cluster, nodes: Int) throws {
        try database.run("UPDATE clusters SET nodes = ? WHERE id = ?", [.int(Int64(nodes)), .text(cluster.id)])
    }

    /// Runs executing on the cluster right now (what its node count bounds).
    func runningCount(clusterID: String) throws -> Int {
        try database.queryOne("SELECT count(*) FROM runs WHERE cluster_id = ? AND status = 'running'", [.text(clusterID)]) { $0.int(0) } ?? 0
    }
}
