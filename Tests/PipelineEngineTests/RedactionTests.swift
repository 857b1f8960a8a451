import XCTest
@testable import PipelineEngine

final class RedactionTests: XCTestCase {
    func testReplacesEveryOccurrence() {
        XCTAssertEqual(Redaction.redact("password s3cret rejected; s3cret again", secrets: ["s3cret"]),
                       "password [redacted] rejected; [redacted] again")
    }

    func testIgnoresEmptySecretsAndLeavesOtherTextAlone() {
        XCTAssertEqual(Redaction.redact("nothing to hide", secrets: ["", "absent"]), "nothing to hide")
    }

    func testScrubsALongerSecretWholeBeforeOneItContains() {
        XCTAssertEqual(Redaction.redact("key=abcdef", secrets: ["abc", "abcdef"]), "key=[redacted]")
    }

    func testHandlesSecretsWithQuotesAndBackslashes() {
        let secret = "p'w\\\" x"
        XCTAssertEqual(Redaction.redact("password=\(secret) failed", secrets: [secret]), "password=[redacted] failed")
    }

    func testScrubbingRedactsWhateverEscapesTheBody() {
        struct Other: Error, CustomStringConvertible { var description: String { "driver said hunter2" } }
        XCTAssertThrowsError(try Redaction.scrubbing(["hunter2"]) { throw EngineError("bad hunter2", component: "src hunter2") }) { error in
            XCTAssertEqual((error as? EngineError)?.message, "bad [redacted]")
            XCTAssertEqual((error as? EngineError)?.component, "src [redacted]")
        }
        XCTAssertThrowsError(try Redaction.scrubbing(["hunter2"]) { throw Other() }) { error in
            XCTAssertEqual((error as? EngineError)?.message, "driver said [redacted]")
        }
        XCTAssertEqual(try Redaction.scrubbing(["x"]) { 42 }, 42)
    }
}
