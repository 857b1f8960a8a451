import Foundation
import JSON
import JSONSchema
import XCTest

/// Parsing and validation recurse; the depth limit must keep them inside a small thread stack
/// (Dispatch and Swift concurrency worker threads do not get the 8 MiB main-thread stack).
final class JSONStackTests: XCTestCase {
    private func onSmallStack(_ bytes: Int, _ body: @escaping @Sendable () throws -> Void) {
        let done = expectation(description: "thread finished")
        let thread = Thread {
            do { try body() } catch { XCTFail("\(error)") }
            done.fulfill()
        }
        thread.stackSize = bytes
        thread.start()
        wait(for: [done], timeout: 30)
    }

    private static let depth = JSONParser.defaultMaxDepth
    private static let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    private static let objects = String(repeating: "{\"k\":", count: depth - 1) + "[]" + String(repeating: "}", count: depth - 1)

    func testMaxDepthParsesAndValidatesOnA1MiBStack() {
        onSmallStack(1024 * 1024) {
            let array = try JSONParser.parse(Self.arrays)
            let object = try JSONParser.parse(Self.objects)
            XCTAssertThrowsError(try JSONParser.parse(String(repeating: "[", count: 100_000)))
            XCTAssertEqual(try JSONParser.parse(array.serialized()), array)
            let strict = try CompiledSchema.compile(try JSONParser.parse(##"{"type":"array","items":{"$ref":"#"}}"##))
            XCTAssertEqual(strict.validate(array), [])
            XCTAssertEqual(strict.validate(object).first?.message, "must be an array, not object")
            let objectsOnly = try CompiledSchema.compile(try JSONParser.parse(
                ##"{"type":"object","properties":{"k":{"$ref":"#"}},"additionalProperties":false}"##))
            XCTAssertEqual(objectsOnly.validate(object).map(\.path), [String(repeating: "/k", count: Self.depth - 1)])
        }
    }

    /// anyOf/oneOf probes add frames per level; like the rest, fits in 1 MiB at the maximum depth in debug builds.
    func testMaxDepthValidatesThroughAnyOfOnA1MiBStack() {
        onSmallStack(1024 * 1024) {
            let array = try JSONParser.parse(Self.arrays)
            let object = try JSONParser.parse(Self.objects)
            let schema = try CompiledSchema.compile(try JSONParser.parse(##"""
                {"anyOf":[{"type":"array","items":{"$ref":"#"}},
                          {"type":"object","additionalProperties":{"$ref":"#"},"properties":{"k":{"$ref":"#"}}}]}
                """##))
            XCTAssertEqual(schema.validate(array), [])
            XCTAssertEqual(schema.validate(object), [])
        }
    }
}
