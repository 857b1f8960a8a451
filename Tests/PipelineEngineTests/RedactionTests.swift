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
}
