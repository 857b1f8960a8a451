import Foundation
import JSON
import XCTest
@testable import PipelineEngine

/// A files-only resolver: every connection id is the same folder.
private final class FolderResolver: ConnectionResolver {
    let root: String
    init(_ root: String) { self.root = root }
    func resolve(_ connectionID: String) throws -> ResolvedConnection {
        guard connectionID == "conn_files" else { throw EngineError("no connection \(connectionID)") }
        return .folder(root: root)
    }
}

final class FlowRunnerTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("flow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var csv = "id,group,amount\n"
        for i in 1...1000 { csv += "\(i),g\(i % 7),\(Double(i % 50) / 2)\n" }
        try csv.write(to: folder.appendingPathComponent("in.csv"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func document(_ components: [JSONValue], _ edges: [(String, String, String?)]) throws -> FlowDocument {
        try FlowDocument.parse(.object(JSONObject([
            ("components", .array(components)),
            ("edges", .array(edges.map { e in
                var o = JSONObject([("source", .string(e.0)), ("target", .string(e.1))])
                if let port = e.2 { o["port"] = .string(port) }
                return .object(o)
            })),
        ])))
    }

    private let source: JSONValue = ["file_source_component": ["id": "src", "name": "input", "connection_id": "conn_files", "path": "in.csv",
                                                               "schema": ["fields": [["name": "id", "type": "integer"], ["name": "group", "type": "string"],
                                                                                     ["name": "amount", "type": "number"]]]]]

    private func run(_ doc: FlowDocument, sortRows: Int = 200_000) throws(RunFailure) -> RunReport {
        var limits = EngineLimits()
        limits.sortRowsInMemory = sortRows
        limits.spillDirectory = folder.path
        return try FlowRunner(doc, variables: ["min": .int(500)], connections: FolderResolver(folder.path), limits: limits,
                              log: { _ in }, isCancelled: { false }).run()
    }

    private func output(_ name: String = "out.csv") throws -> [String] {
        try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func testFilterSortSpillsAndWritesInOrder() throws {
        let doc = try document([
            source,
            ["filter_component": ["id": "f", "name": "big_ids", "condition": "id > $min"]],
            ["sort_component": ["id": "s", "name": "by_amount", "keys": [["field": "amount", "direction": "desc"], ["field": "id"]]]],
            ["file_destination_component": ["id": "d", "name": "out", "connection_id": "conn_files", "path": "out.csv"]],
        ], [("src", "f", nil), ("f", "s", nil), ("s", "d", nil)])
        // 500 rows with 64 per in-memory batch: the sort spills 8 runs and merges them.
        let report = try run(doc, sortRows: 64)
        XCTAssertEqual(report.componentRows.map(\.rows), [1000, 500, 500, 500])
        let lines = try output()
        XCTAssertEqual(lines.first, "id,group,amount")
        let ids: [Int] = lines.dropFirst().map { line in Int(line.split(separator: ",")[0])! }
        func amount(_ id: Int) -> Double { Double(id % 50) / 2 }
        let expected: [Int] = Array(501...1000).sorted { a, b in amount(a) != amount(b) ? amount(a) > amount(b) : a < b }
        XCTAssertEqual(ids, expected)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains("spill") || $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [])
    }

    func testAggregateJoinAndUnion() throws {
        var groups = "group,label\n"
        for g in 0..<5 { groups += "g\(g),Group \(g)\n" }
        try groups.write(to: folder.appendingPathComponent("groups.csv"), atomically: true, encoding: .utf8)
        let doc = try document([
            source,
            ["aggregate_component": ["id": "a", "name": "per_group", "group_by": ["group"],
                                     "aggregates": [["name": "n", "function": "count"], ["name": "total", "function": "sum", "field": "amount"],
                                                    ["name": "top", "function": "max", "field": "id"]]]],
            ["file_source_component": ["id": "g", "name": "groups", "connection_id": "conn_files", "path": "groups.csv"]],
            ["join_component": ["id": "j", "name": "labelled", "join_type": "left", "left_keys": ["group"], "right_keys": ["group"]]],
            ["sort_component": ["id": "s", "name": "ordered", "keys": [["field": "group"]]]],
            ["file_destination_component": ["id": "d", "name": "out", "connection_id": "conn_files", "path": "out.csv"]],
        ], [("src", "a", nil), ("a", "j", "left"), ("g", "j", "right"), ("j", "s", nil), ("s", "d", nil)])
        _ = try run(doc)
        let lines = try output()
        XCTAssertEqual(lines.first, "group,n,total,top,label")
        var expected: [String: (Int, Double, Int)] = [:]
        for i in 1...1000 { let k = "g\(i % 7)"; let e = expected[k] ?? (0, 0, 0); expected[k] = (e.0 + 1, e.1 + Double(i % 50) / 2, max(e.2, i)) }
        let got = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(got.map { $0[0] }, (0..<7).map { "g\($0)" })
        for row in got {
            let e = expected[row[0]]!
            XCTAssertEqual(Int(row[1]), e.0)
            XCTAssertEqual(Double(row[2])!, e.1, accuracy: 1e-9)
            XCTAssertEqual(Int(row[3]), e.2)
            XCTAssertEqual(row[4], ["g5", "g6"].contains(row[0]) ? "" : "Group \(row[0].dropFirst())")
        }
    }

    func testAFailedRunLeavesTheOldFileInPlace() throws {
        try "old contents\n".write(to: folder.appendingPathComponent("out.csv"), atomically: true, encoding: .utf8)
        let doc = try document([
            source,
            ["rename_component": ["id": "r", "name": "as_bool", "fields": [["from": "amount", "type": "boolean"]]]],
            ["file_destination_component": ["id": "d", "name": "out", "connection_id": "conn_files", "path": "out.csv"]],
        ], [("src", "r", nil), ("r", "d", nil)])
        XCTAssertThrowsError(try run(doc)) { error in
            let failure = error as! RunFailure
            XCTAssertEqual(failure.component, "as_bool")
            XCTAssertTrue(failure.message.contains("cannot cast amount"), failure.message)
        }
        XCTAssertEqual(try output(), ["old contents"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".") }, [])
    }

    func testValidationNamesEachBrokenComponent() throws {
        let doc = try document([
            source,
            ["filter_component": ["id": "f", "name": "typo", "condition": "amout > 1"]],
            ["select_component": ["id": "s", "name": "orphan", "fields": [["name": "x", "expression": "id"]]]],
            ["file_destination_component": ["id": "d", "name": "out", "connection_id": "conn_files", "path": "../escape.csv"]],
        ], [("src", "f", nil), ("f", "d", nil)])
        let issues = FlowValidation.validate(doc, variables: [:], connections: FolderResolver(folder.path))
        XCTAssertEqual(Set(issues.compactMap(\.component)), ["typo", "orphan", "out"], "\(issues)")
        XCTAssertTrue(issues.contains { $0.component == "typo" && $0.message.contains("amout") }, "\(issues)")
        XCTAssertTrue(issues.contains { $0.component == "orphan" && $0.message.contains("needs exactly one input") }, "\(issues)")
    }

    func testCyclesAndFanOutAreGraphErrors() throws {
        let doc = try document([
            source,
            ["filter_component": ["id": "a", "name": "a", "condition": "true"]],
            ["filter_component": ["id": "b", "name": "b", "condition": "true"]],
            ["file_destination_component": ["id": "d", "name": "out", "connection_id": "conn_files", "path": "o.csv"]],
        ], [("src", "a", nil), ("a", "b", nil), ("b", "a", nil), ("b", "d", nil)])
        let issues = FlowGraph(doc).issues()
        XCTAssertTrue(issues.contains { $0.message.contains("cycle") }, "\(issues)")
        XCTAssertTrue(issues.contains { $0.component == "b" && $0.message.contains("feeds 2 components") }, "\(issues)")
    }

    func testSelectUnionDistinctLimitIntoJSONLines() throws {
        let doc = try document([
            source,
            ["file_source_component": ["id": "src2", "name": "again", "connection_id": "conn_files", "path": "in.csv",
                                       "schema": ["fields": [["name": "id", "type": "integer"], ["name": "group", "type": "string"],
                                                             ["name": "amount", "type": "number"]]]]],
            ["union_component": ["id": "u", "name": "both"]],
            ["select_component": ["id": "s", "name": "shaped", "fields": [["name": "group", "expression": "upper(group)"],
                                                                         ["name": "big", "expression": "amount >= 12"]]]],
            ["distinct_component": ["id": "d", "name": "unique"]],
            ["sort_component": ["id": "o", "name": "ordered", "keys": [["field": "group"], ["field": "big", "direction": "desc"]]]],
            ["limit_component": ["id": "l", "name": "first_five", "count": 5, "offset": 1]],
            ["file_destination_component": ["id": "w", "name": "out", "connection_id": "conn_files", "path": "sub/out.jsonl",
                                            "record_type": "json_lines"]],
        ], [("src", "u", nil), ("src2", "u", nil), ("u", "s", nil), ("s", "d", nil), ("d", "o", nil), ("o", "l", nil), ("l", "w", nil)])
        let report = try run(doc)
        XCTAssertEqual(report.componentRows.first { $0.component == "both" }?.rows, 2000)
        XCTAssertEqual(report.componentRows.first { $0.component == "unique" }?.rows, 14)   // 7 groups × big true/false
        XCTAssertEqual(try output("sub/out.jsonl"), [
            #"{"group":"G0","big":false}"#, #"{"group":"G1","big":true}"#, #"{"group":"G1","big":false}"#,
            #"{"group":"G2","big":true}"#, #"{"group":"G2","big":false}"#,
        ])
    }
}
