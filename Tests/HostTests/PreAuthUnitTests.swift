import XCTest
@testable import Host

final class LogEscapingTests: XCTestCase {
    func testCleanTextIsKeptAsItIs() {
        XCTAssertEqual(LogEscaping.escaped("registered client thc_1 \"Ünïcode ✓\""), "registered client thc_1 \"Ünïcode ✓\"")
    }

    func testControlCharactersAndLineSeparatorsBecomeVisibleEscapes() {
        XCTAssertEqual(LogEscaping.escaped("a\nb\r\tc\u{0}d\u{7F}e\u{85}f\u{2028}g\u{2029}h\u{1B}[31m"),
                       "a\\nb\\r\\tc\\x00d\\x7Fe\\x85f\\u{2028}g\\u{2029}h\\x1B[31m")
    }

    func testOtherCharactersSharingLeadBytesAreKept() {
        // 0xC2 and 0xE2 lead many printable characters too: only the listed scalars are escaped.
        XCTAssertEqual(LogEscaping.escaped("© – €"), "© – €")
    }
}

final class AddressBudgetTests: XCTestCase {
    func testConcurrencyIsPerAddressAndReleased() {
        let budget = AddressBudget(maxConcurrent: 1)
        XCTAssertEqual(budget.acquire("a", now: 0), .admitted)
        XCTAssertEqual(budget.acquire("a", now: 0), .refused(retryAfterSeconds: 1))
        XCTAssertEqual(budget.acquire("b", now: 0), .admitted)
        budget.release("a")
        XCTAssertEqual(budget.acquire("a", now: 0), .admitted)
    }

    func testRateCountsStartsInTheLastMinute() {
        let budget = AddressBudget(maxConcurrent: 10, perMinute: 2)
        XCTAssertEqual(budget.acquire("a", now: 1_000), .admitted)
        budget.release("a")
        XCTAssertEqual(budget.acquire("a", now: 2_000), .admitted)
        budget.release("a")
        // The oldest start (at 1 s) leaves the minute at 61 s.
        XCTAssertEqual(budget.acquire("a", now: 31_000), .refused(retryAfterSeconds: 30))
        XCTAssertEqual(budget.acquire("a", now: 61_000), .admitted)
    }
}

final class LockoutRestoreTests: XCTestCase {
    func testRestoredLockoutsKeepTheirEndAndSkipFinishedOnes() {
        let guardrail = AbuseGuard(limits: .init(burstLimit: 250, burstWindowSeconds: 60, failedAuthLimit: 2, lockoutWindowSeconds: 100))
        guardrail.restore([AddressLockout(address: "a", failures: 3, windowStartMs: 0, lockedUntilMs: 100_000),
                           AddressLockout(address: "b", failures: 3, windowStartMs: 0, lockedUntilMs: 10_000)], now: 50_000)
        XCTAssertEqual(guardrail.lockout(address: "a", now: 50_000)?.retryAfterSeconds, 50)
        XCTAssertNil(guardrail.lockout(address: "b", now: 50_000))
        XCTAssertNil(guardrail.lockout(address: "c", now: 50_000))
    }
}
