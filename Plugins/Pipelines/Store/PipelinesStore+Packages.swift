import JSON
import PipelineEngine
import SQLite
import ToolsetKit

// Packages and their version history. Every change goes through `save`, which bumps the version
// and records a snapshot in package_versions inside the caller's transaction.
extension PipelinesStore {
    private static let packageSelect = """
        SELECT seq, id, name, description, workspace_id, flow_type, flow_version, status, data_flow_json, variables_json, version,
               created_ms, created_by, updated_ms, updated_by, archived_ms FROM packages
        """

    private static func package(_ row: Row) throws -> Package {
        let document: FlowDocument
        do { document = try FlowDocument.parse(JSONValue(storedText: row.string(8))) } catch {
            throw InternalError("package \(row.string(1)) has a stored data_flow_json that no longer parses: \(error)")
        }
        return Package(seq: row.int64(0), id: row.string(1), name: row.string(2), description: row.string(3), workspaceID: row.optionalString(4),
                       flowType: FlowType(rawValue: row.string(5)) ?? .dataflow, flowVersion: row.string(6),
                       status: PackageStatus(rawValue: row.string(7)) ?? .active, document: document,
                       variables: JSONValue(storedText: row.string(9)).objectValue ?? JSONObject(), version: row.int(10), createdMs: row.int64(11),
                       createdBy: row.string(12), updatedMs: row.int64(13), updatedBy: row.string(14), archivedMs: row.optionalInt64(15))
    }

    struct PackageFilter {
        var flowType: FlowType?
        var status: PackageStatus?
        var workspaceID: String?
    }

    private static let summarySelect = """
        SELECT seq, id, name, description, workspace_id, flow_type, status, version, created_ms, updated_ms FROM packages
        """

    private static func summary(_ row: Row) -> PackageSummary {
        PackageSummary(seq: row.int64(0), id: row.string(1), name: row.string(2), description: row.string(3), workspaceID: row.optionalString(4),
                       flowType: FlowType(rawValue: row.string(5)) ?? .dataflow, status: PackageStatus(rawValue: row.string(6)) ?? .active,
                       version: row.int(7), createdMs: row.int64(8), updatedMs: row.int64(9))
    }

    func packages(_ filter: PackageFilter, after: Int64?, limit: Int) throws -> [PackageSummary] {
        try database.query("""
            \(Self.summarySelect) WHERE seq > ? AND (? IS NULL OR flow_type = ?) AND (? IS NULL OR status = ?) AND (? IS NULL OR workspace_id = ?)
            ORDER BY seq LIMIT ?
            """, [.int(after ?? 0), SQLValue(filter.flowType?.rawValue), SQLValue(filter.flowType?.rawValue),
                  SQLValue(filter.status?.rawValue), SQLValue(filter.status?.rawValue), SQLValue(filter.workspaceID), SQLValue(filter.workspaceID),
                  Self.pageLimit(limit)], Self.summary)
    }

    func packageSummary(_ id: String) throws -> PackageSummary? {
        try database.queryOne("\(Self.summarySelect) WHERE id = ?", [.text(id)], Self.summary)
    }

    func package(_ id: String) throws -> Package? {
        try database.queryOne("\(Self.packageSelect) WHERE id = ?", [.text(id)], Self.package)
    }

    func existingPackage(_ id: String) throws -> Package {
        guard let package = try package(id) else { throw ToolError.unknown("package", id, hint: "list_packages lists them") }
        return package
    }

    /// The package as it is now, for an edit: an archived package is read-only.
    func editablePackage(_ id: String) throws -> Package {
        let package = try existingPackage(id)
        guard package.status == .active else {
            throw ToolError("Package \(package.id) is archived; it can no longer be changed (an operator can revert it to a version to restore it)")
        }
        return package
    }

    func packageCount() throws -> Int { try database.queryOne("SELECT count(*) FROM packages", []) { $0.int(0) } ?? 0 }

    struct NewPackage {
        var name: String
        var description: String
        var workspaceID: String?
        var flowType: FlowType
        var flowVersion: String
        var document: FlowDocument
        var variables: JSONObject
    }

    /// data_flow_json as stored, refused past Limits.dataFlowBytes (components are bounded in
    /// number, but one property could still be huge).
    static func storedGraph(_ document: FlowDocument) throws -> String {
        let text = document.json.jsonString
        guard text.utf8.count <= Limits.dataFlowBytes else {
            throw ToolError("The package's data_flow_json would be \(text.utf8.count / 1024) KiB; the limit is \(Limits.dataFlowBytes / 1024) KiB. Nothing was written.")
        }
        return text
    }

    func createPackage(_ new: NewPackage, by: String, change: String, summary: String) throws -> Package {
        guard try packageCount() < Limits.packagesPerTenant else {
            throw ToolError("This workspace already has \(Limits.packagesPerTenant) packages, the limit; archive some first")
        }
        let id = randomID("pkg_")
        try database.run("""
            INSERT INTO packages (id, name, description, workspace_id, flow_type, flow_version, status, data_flow_json, variables_json, version,
                                  created_ms, created_by, updated_ms, updated_by)
            VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, 1, ?, ?, ?, ?)
            """, [.text(id), .text(new.name), .text(new.description), SQLValue(new.workspaceID), .text(new.flowType.rawValue), .text(new.flowVersion),
                  .text(try Self.storedGraph(new.document)), .text(JSONValue.object(new.variables).jsonString), .int(now), .text(by), .int(now), .text(by)])
        let package = try existingPackage(id)
        try recordVersion(package, by: by, change: change, summary: summary)
        try indexPackage(package)
        return package
    }

    /// Writes a changed package as its next version. The caller holds the transaction, so two
    /// edits of one package are serialised (BEGIN IMMEDIATE) and the second sees the first.
    @discardableResult
    func save(_ changed: Package, by: String, change: String, summary: String) throws -> Package {
        var package = changed
        package.version += 1
        package.updatedMs = now
        package.updatedBy = by
        try database.run("""
            UPDATE packages SET name = ?, description = ?, workspace_id = ?, flow_version = ?, status = ?, data_flow_json = ?, variables_json = ?,
                                version = ?, updated_ms = ?, updated_by = ?, archived_ms = ?
            WHERE id = ? AND version = ?
            """, [.text(package.name), .text(package.description), SQLValue(package.workspaceID), .text(package.flowVersion),
                  .text(package.status.rawValue), .text(try Self.storedGraph(package.document)), .text(JSONValue.object(package.variables).jsonString),
                  .int(Int64(package.version)), .int(now), .text(by), SQLValue(package.archivedMs), .text(package.id), .int(Int64(changed.version))])
        guard database.changes == 1 else { throw InternalError("package \(package.id) changed while it was being edited") }
        try recordVersion(package, by: by, change: change, summary: summary)
        try indexPackage(package)
        return package
    }

    private func recordVersion(_ package: Package, by: String, change: String, summary: String) throws {
        try database.run("""
            INSERT INTO package_versions (package_id, version, changed_ms, changed_by, change, summary, snapshot_json) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.text(package.id), .int(Int64(package.version)), .int(now), .text(by), .text(change), .text(summary), .text(package.snapshot.jsonString)])
    }

    private func indexPackage(_ package: Package) throws {
        let components = package.document.components.map { "\($0.name) \($0.kind.rawValue)" }.joined(separator: " ")
        try index(.package, id: package.id, name: package.name, body: "\(package.description) \(components)")
    }

    func versions(of packageID: String) throws -> [PackageVersion] {
        try database.query("""
            SELECT package_id, version, changed_ms, changed_by, change, summary, snapshot_json FROM package_versions
            WHERE package_id = ? ORDER BY version
            """, [.text(packageID)], Self.version)
    }

    func version(_ version: Int, of packageID: String) throws -> PackageVersion? {
        try database.queryOne("""
            SELECT package_id, version, changed_ms, changed_by, change, summary, snapshot_json FROM package_versions
            WHERE package_id = ? AND version = ?
            """, [.text(packageID), .int(Int64(version))], Self.version)
    }

    private static func version(_ row: Row) -> PackageVersion {
        PackageVersion(packageID: row.string(0), version: row.int(1), changedMs: row.int64(2), changedBy: row.string(3), change: row.string(4),
                       summary: row.string(5), snapshot: JSONValue(storedText: row.string(6)))
    }

    /// Active schedules that would run this package (archive is refused while there are any).
    func activeSchedules(of packageID: String) throws -> [PipelineSchedule] {
        try schedules(packageID: packageID, enabled: true, after: nil, limit: 100)
    }

    /// The last finished run's status of a package (list_packages' last_run_status).
    func lastRunStatus(of packageID: String) throws -> String? {
        try database.queryOne("SELECT status FROM runs WHERE package_id = ? ORDER BY seq DESC LIMIT 1", [.text(packageID)]) { $0.string(0) }
    }
}
