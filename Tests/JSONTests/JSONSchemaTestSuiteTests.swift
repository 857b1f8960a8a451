import Foundation
import JSON
import JSONSchema
import XCTest

/// Runs the official JSON-Schema-Test-Suite (required files of draft2020-12 and draft7) against
/// the compiler and validator.
///
/// For every test case: if the schema compiles, every test's `valid` must match; if it is
/// refused, the refused keyword must be one of the documented refusals below. So a wrong
/// verdict, or a refusal nobody decided on, fails this test. The per-file report it prints is
/// the table in docs/JSON-SCHEMA.md.
final class JSONSchemaTestSuiteTests: XCTestCase {
    /// Keywords of the vocabulary Toolhost refuses at load (Vocabulary.refused, plus the uses of
    /// `$ref`, `$id` and `$schema` it cannot honour). Keep in step with docs/JSON-SCHEMA.md.
    static let refusedKeywords: Set<String> = [
        "$ref",  // remote and $id-relative references, "#anchor" references, draft-07 siblings
        "$id",  // below the root
        "$schema",  // below the root, or an unknown meta-schema
        "$anchor", "$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor", "$vocabulary",
        "unevaluatedProperties", "unevaluatedItems",
    ]
    /// `format` names without a checker; refused so that they are never silently unchecked.
    static let refusedFormats: Set<String> = [
        "idn-email", "idn-hostname", "iri", "iri-reference", "uri-reference", "uri-template",
        "relative-json-pointer", "regex",
    ]
    /// Keywords in no vocabulary, which the suite uses to show that unknown keywords are ignored.
    /// Toolhost refuses unknown keywords (they are usually typos) unless prefixed "x-".
    static let unknownKeywords: Set<String> = []

    /// Tests whose expectation Toolhost deliberately does not meet: 2020-12 makes `format` an
    /// annotation by default, Toolhost asserts every format it accepts (docs/JSON-SCHEMA.md,
    /// "Formats"). Matched by file and test description; counted as "deliberate" in the report.
    static let deliberateDeviations: [(file: String, test: String)] = [
        "email", "ipv4", "ipv6", "hostname", "date", "date-time", "time", "json-pointer", "uri", "uuid", "duration",
    ].map { (file: "draft2020-12/format.json", test: "invalid \($0) string is only an annotation by default") }

    /// `<repo>/../shared/data/JSON-Schema-Test-Suite/tests`, found from this file's location
    /// (CI clones the repo with shared/ beside it), or `$TOOLHOST_JSON_SCHEMA_TEST_SUITE`.
    static func suiteDirectory() -> URL? {
        SharedData.directory("JSON-Schema-Test-Suite/tests", overriddenBy: "TOOLHOST_JSON_SCHEMA_TEST_SUITE")
    }

    func testDraft2020_12() throws { try runDraft("draft2020-12") }

    /// The draft7 files declare no `$schema`; a tool publishing draft-07 says so, so the runner
    /// adds the draft-07 URI to each root schema object (this matters for `$ref` siblings).
    func testDraft7() throws { try runDraft("draft7", declaring: "http://json-schema.org/draft-07/schema#") }

    // MARK: - Runner

    private struct FileResult {
        var passed = 0, failed = 0, refused = 0, deliberate = 0
        var refusals: Set<String> = []
    }

    private func runDraft(_ draft: String, declaring dialect: String? = nil) throws {
        // A missing suite fails: the suite is the evidence that every accepted keyword is enforced.
        guard let suite = Self.suiteDirectory() else {
            return XCTFail("JSON-Schema-Test-Suite not found: expected ../shared/data/JSON-Schema-Test-Suite/tests next to the repository, or a directory in $TOOLHOST_JSON_SCHEMA_TEST_SUITE")
        }
        let directory = suite.appendingPathComponent(draft)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertFalse(names.isEmpty, "no test files in \(directory.path)")
        var report: [String] = []
        var total = FileResult()
        for name in names {
            let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            let result = try runFile(name: "\(draft)/\(name)", text: text, declaring: dialect)
            report.append(Self.reportLine(name, result))
            total.passed += result.passed
            total.failed += result.failed
            total.refused += result.refused
            total.deliberate += result.deliberate
            total.refusals.formUnion(result.refusals)
        }
        print("JSON-Schema-Test-Suite \(draft):\n" + report.joined(separator: "\n") + "\n" + Self.reportLine("TOTAL", total))
    }

    private static func reportLine(_ name: String, _ result: FileResult) -> String {
        let refused = result.refusals.isEmpty ? "" : " (\(result.refusals.sorted().joined(separator: ", ")))"
        let deliberate = result.deliberate == 0 ? "" : ", deliberate \(result.deliberate) (format asserted)"
        return "\(name): passed \(result.passed), failed \(result.failed), refused \(result.refused)\(refused)\(deliberate)"
    }

    private func runFile(name: String, text: String, declaring dialect: String?) throws -> FileResult {
        var result = FileResult()
        guard case .array(let cases) = try JSONParser.parse(text) else {
            XCTFail("\(name): not an array of test cases")
            return result
        }
        for testCase in cases {
            let description = testCase["description"]?.stringValue ?? "?"
            let tests = testCase["tests"]?.arrayValue ?? []
            guard var schema = testCase["schema"] else { continue }
            if let dialect, case .object(var object) = schema, object["$schema"] == nil {
                object["$schema"] = .string(dialect)
                schema = .object(object)
            }
            let compiled: CompiledSchema
            do {
                compiled = try CompiledSchema.compile(schema)
            } catch {
                result.refused += tests.count
                result.refusals.insert(refusalLabel(error))
                if ProcessInfo.processInfo.environment["TOOLHOST_SCHEMA_SUITE_VERBOSE"] != nil {
                    print("REFUSED \(name) — \(description): \(error.message)")
                }
                if !isDocumentedRefusal(error) {
                    XCTFail("\(name) — \(description): refused for an undocumented reason: \(error.message)")
                }
                continue
            }
            for test in tests {
                guard let data = test["data"], let expected = test["valid"]?.boolValue else { continue }
                let failures = compiled.validate(data)
                let testDescription = test["description"]?.stringValue ?? "?"
                if failures.isEmpty == expected {
                    result.passed += 1
                } else if Self.deliberateDeviations.contains(where: { $0.file == name && $0.test == testDescription }) {
                    result.deliberate += 1
                } else {
                    result.failed += 1
                    XCTFail("""
                        \(name) — \(description) — \(testDescription): expected \
                        \(expected ? "valid" : "invalid"), got \(failures.isEmpty ? "valid" : "\(failures)")
                        """)
                }
            }
        }
        return result
    }

    private func refusalLabel(_ error: SchemaError) -> String {
        switch error.kind {
        case .unknownFormat: return "format \"\(error.keyword)\""
        case .unknownKeyword: return "unknown \"\(error.keyword)\""
        case .invalidValue: return "invalid \"\(error.keyword)\""
        case .unsupportedKeyword: return error.keyword
        }
    }

    private func isDocumentedRefusal(_ error: SchemaError) -> Bool {
        switch error.kind {
        case .unsupportedKeyword: return Self.refusedKeywords.contains(error.keyword)
        case .unknownFormat: return Self.refusedFormats.contains(error.keyword)
        case .unknownKeyword: return Self.unknownKeywords.contains(error.keyword)
        case .invalidValue: return false
        }
    }
}
