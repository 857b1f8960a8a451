import Foundation
import JSON
import PipelineEngine
import ToolsetKit

// `toolhost pipelines history|show-version|revert`: every change of a package is a version; a
// revert restores an old one as a NEW version, so history only ever grows.

private let packageOperand = Schema.string(description: "the package's id (pkg_…)", minLength: 1, maxLength: 64)

/// Version N of a package, or a refusal naming the versions there are.
private func existingVersion(_ number: Int, of package: Package, in store: PipelinesStore) throws -> PackageVersion {
    guard let version = try store.version(number, of: package.id) else {
        throw ToolError("package \(package.id) has no version \(number) (versions 1–\(package.version))")
    }
    return version
}

private func versionJSON(_ version: PackageVersion) -> JSONValue {
    ["version": .int(Int64(version.version)), "changed_at": .time(version.changedMs), "changed_by": .string(version.changedBy),
     "change": .string(version.change), "summary": .string(version.summary)]
}

let historyCommand = OperatorCommand(
    group: "pipelines", name: "history", title: "Package history",
    summary: "PACKAGE_ID: every version of a package, who made it and what changed",
    input: Schema.object(properties: ["package": packageOperand], required: ["package"]).positional("package"),
    output: Schema.object(properties: ["versions": .array(of: Schema.object(additionalProperties: true))], required: ["versions"], additionalProperties: true),
    view: .table(rows: "/versions", columns: [.init("version", "Version"), .init("changed_at", "When"), .init("changed_by", "Who"),
                                             .init("change", "Change"), .init("summary", "Summary")], rowActions: []),
    annotations: [.readOnly], toolset: "pipelines", role: .viewer
) { ctx, args in
    let op = try OperatorCall(ctx, args)
    let package = try op.store.existingPackage(try op.values.string("package"))
    let versions = try op.store.versions(of: package.id)
    let text = textTable(["VERSION", "WHEN", "WHO", "CHANGE", "SUMMARY"], versions.map {
        [String($0.version), JSONValue.time($0.changedMs).stringValue ?? "", $0.changedBy, $0.change, oneLinePreview($0.summary, length: 80)]
    })
    return .ok(text: "\(package.id) \(package.name) (now version \(package.version), \(package.status.rawValue))\n" + text,
               data: ["package_id": .string(package.id), "versions": .array(versions.map(versionJSON))])
}

let showVersionCommand = OperatorCommand(
    group: "pipelines", name: "show-version", title: "Show a package version",
    summary: "PACKAGE_ID VERSION: the whole package as it was at that version (JSON)",
    input: Schema.object(properties: ["package": packageOperand, "version": .integer(description: "the version number", minimum: 1)],
                         required: ["package", "version"]).positional("package", "version"),
    output: Schema.object(additionalProperties: true),
    view: .record, annotations: [.readOnly], toolset: "pipelines", role: .viewer
) { ctx, args in
    let op = try OperatorCall(ctx, args)
    let package = try op.store.existingPackage(try op.values.string("package"))
    let number = try op.values.int("version")
    let version = try existingVersion(number, of: package, in: op.store)
    var object = versionJSON(version).objectValue!
    object["package"] = version.snapshot
    let text = JSONValue.object(object).jsonString
    return .ok(text: text, data: .object(object))
}

let revertCommand = OperatorCommand(
    group: "pipelines", name: "revert", title: "Revert a package",
    summary: "PACKAGE_ID VERSION: restore the package as it was at VERSION, as a new version (an archived package becomes active again)",
    input: Schema.object(properties: ["package": packageOperand, "version": .integer(description: "the version to restore", minimum: 1)],
                         required: ["package", "version"]).positional("package", "version"),
    output: Schema.object(additionalProperties: true),
    view: .record, annotations: [.notDestructive], toolset: "pipelines", role: .admin
) { ctx, args in
    let op = try OperatorCall(ctx, args)
    let number = try op.values.int("version")
    let package = try op.write {
        var package = try op.store.existingPackage(try op.values.string("package"))
        let version = try existingVersion(number, of: package, in: op.store)
        guard number != package.version else { throw ToolError("version \(number) is the current version; nothing to revert") }
        let snapshot = version.snapshot
        do { package.document = try FlowDocument.parse(snapshot["data_flow_json"] ?? .null) } catch {
            throw ToolError("version \(number) holds a data_flow_json this server cannot read: \(error)")
        }
        package.name = snapshot["name"]?.stringValue ?? package.name
        package.description = snapshot["description"]?.stringValue ?? package.description
        package.workspaceID = snapshot["workspace_id"]?.stringValue
        package.flowVersion = snapshot["flow_version"]?.stringValue ?? package.flowVersion
        package.variables = snapshot["variables"]?.objectValue ?? JSONObject()
        package.status = .active
        package.archivedMs = nil
        return try op.store.save(package, by: op.who, change: "revert", summary: "reverted to version \(number)")
    }
    op.audit(.packageReverted, ["package_id": .string(package.id), "to_version": .int(Int64(number)), "version": .int(Int64(package.version))])
    return .ok(text: "\(package.id) is now version \(package.version), a copy of version \(number)",
               data: ["package_id": .string(package.id), "version": .int(Int64(package.version)), "reverted_to": .int(Int64(number))])
}

let runsCommand = OperatorCommand(
    group: "pipelines", name: "runs", title: "Runs",
    summary: "[--package ID] [--status S] [--limit N]: recent runs, newest first, retries included",
    input: Schema.object(properties: [
        "package": Schema.string(description: "only this package's runs", minLength: 1, maxLength: 64),
        "status": .string(description: "only runs in this status", enum: RunStatus.allCases.map(\.rawValue)),
        "limit": .integer(description: "at most this many (default 50)", minimum: 1, maximum: 1000),
    ]),
    output: Schema.object(properties: ["runs": .array(of: Schemas.run)], required: ["runs"], additionalProperties: true),
    view: .table(rows: "/runs", columns: [.init("id", "Run"), .init("package_id", "Package"), .init("status", "Status"),
                                         .init("started_by", "Started by"), .init("started_at", "Started"), .init("runtime_in_seconds", "Seconds"),
                                         .init("last_error", "Error")], rowActions: []),
    annotations: [.readOnly], toolset: "pipelines", role: .viewer
) { ctx, args in
    let op = try OperatorCall(ctx, args)
    var filter = PipelinesStore.RunFilter()
    filter.packageID = try op.values.optionalString("package")
    filter.status = try op.values.optionalString("status").flatMap(RunStatus.init(rawValue:))
    filter.includeRetries = true
    let limit = try op.values.integer("limit", default: 50, in: 1...1000)
    let runs = try op.store.runs(filter, before: nil, limit: limit).prefix(limit)
    let text = runs.isEmpty ? "No runs match." : textTable(["RUN", "STATUS", "PACKAGE", "STARTED BY", "SECONDS", "ERROR"], runs.map { run in
        [run.id, run.status.rawValue, run.packageID, run.startedByName, run.runtimeSeconds.map { String(format: "%.2f", $0) } ?? "-",
         oneLinePreview(run.lastError ?? "", length: 60)]
    })
    return .ok(text: text, data: ["runs": .array(runs.map { $0.json() })])
}
