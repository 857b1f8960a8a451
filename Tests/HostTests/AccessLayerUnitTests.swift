import XCTest
import JSON
@testable import Host

final class PlanCatalogTests: XCTestCase {
    let plans = PlanCatalog.standard

    func testTiersAreOrdered() {
        XCTAssertTrue(plans.satisfies("growth", required: "growth"))
        XCTAssertTrue(plans.satisfies("pro", required: "growth"))
        XCTAssertTrue(plans.satisfies("custom", required: "starter"))
        XCTAssertFalse(plans.satisfies("starter", required: "growth"))
    }

    func testNamedPlanRanksLikeItsTierButOnlyItSatisfiesItself() {
        XCTAssertTrue(plans.satisfies("enterprise", required: "pro"))
        XCTAssertFalse(plans.satisfies("enterprise", required: "custom"))
        XCTAssertTrue(plans.satisfies("enterprise", required: "enterprise"))
        XCTAssertFalse(plans.satisfies("custom", required: "enterprise"))
        XCTAssertFalse(plans.satisfies("pro", required: "enterprise"))
    }

    func testUnknownPlansSatisfyNothingButThemselves() {
        XCTAssertFalse(plans.satisfies("platinum", required: "starter"))
        XCTAssertFalse(plans.satisfies("starter", required: "platinum"))
    }

    func testConfigurationErrors() {
        XCTAssertThrowsError(try PlanCatalog(configuration: ["tiers": []]))
        XCTAssertThrowsError(try PlanCatalog(configuration: ["tiers": ["a", "b"], "named": ["vip": "z"]])) { error in
            XCTAssertTrue("\(error)".contains("plans.named.vip"))
        }
    }

    func testNewTenantTrialIsOffByDefaultAndReadFromPlans() throws {
        XCTAssertNil(PlanCatalog.standard.newTenantTrial)
        XCTAssertNil(try PlanCatalog(configuration: ["tiers": ["a", "b"]]).newTenantTrial)
        let catalog = try PlanCatalog(configuration: ["tiers": ["a", "b"], "named": ["vip": "b"], "new_tenant_trial": ["plan": "vip", "days": 7]])
        XCTAssertEqual(catalog.newTenantTrial, NewTenantTrial(plan: "vip", days: 7))
        XCTAssertEqual(catalog.newTenantTrial?.endMs(startingAt: 1_000), 1_000 + 7 * 86_400_000)
    }

    func testNewTenantTrialConfigurationErrors() {
        let cases: [(JSONValue, String)] = [
            (["plan": "b", "days": 0], "plans.new_tenant_trial.days must be an integer from 1 to 365"),
            (["plan": "b", "days": 366], "plans.new_tenant_trial.days must be an integer from 1 to 365"),
            (["plan": "gold", "days": 7], "plans.new_tenant_trial.plan must name one of the plans a, b"),
            (["b", 7], #"plans.new_tenant_trial must be an object like {"plan": "enterprise", "days": 7}"#),
        ]
        for (trial, message) in cases {
            XCTAssertThrowsError(try PlanCatalog(configuration: ["tiers": ["a", "b"], "new_tenant_trial": trial])) { error in
                XCTAssertEqual("\(error)", message)
            }
        }
    }

    func testTrialGrantsItsPlanUntilItEnds() {
        let tenant = TenantRecord(name: "t", plan: "starter", createdMs: 0, disabledToolsets: [], trialPlan: "pro", trialUntilMs: 1_000)
        XCTAssertEqual(tenant.effectivePlan(now: 999), "pro")
        XCTAssertEqual(tenant.effectivePlan(now: 1_000), "starter")
    }
}

final class AbuseGuardTests: XCTestCase {
    func testBurstLimitIsExactWithinTheWindowAndFreesAfterIt() {
        let guardrail = AbuseGuard(limits: .init(burstLimit: 3, burstWindowSeconds: 60, failedAuthLimit: 10, lockoutWindowSeconds: 3600))
        let t0: Int64 = 1_000_000_000_000
        XCTAssertNil(guardrail.admitBurst(tokenID: "a", now: t0))
        XCTAssertNil(guardrail.admitBurst(tokenID: "a", now: t0 + 10_000))
        XCTAssertNil(guardrail.admitBurst(tokenID: "a", now: t0 + 20_000))
        let denial = guardrail.admitBurst(tokenID: "a", now: t0 + 30_000)
        XCTAssertEqual(denial?.message, "Suspicious burst detected")
        XCTAssertEqual(denial?.layer, .abuse)
        XCTAssertEqual(denial?.retryAfterSeconds, 30)  // the first request leaves the window at t0 + 60 s
        XCTAssertNotNil(guardrail.admitBurst(tokenID: "a", now: t0 + 59_000))
        XCTAssertNil(guardrail.admitBurst(tokenID: "a", now: t0 + 60_000))
        XCTAssertNil(guardrail.admitBurst(tokenID: "b", now: t0 + 30_000), "limits are per token")
    }

    func testBatchMessagesCountOneByOneUpToTheLimit() {
        let guardrail = AbuseGuard(limits: .init(burstLimit: 5, burstWindowSeconds: 60, failedAuthLimit: 10, lockoutWindowSeconds: 3600))
        let t0: Int64 = 9_000_000
        XCTAssertNil(guardrail.admitBurst(tokenID: "a", now: t0))
        let batch = guardrail.admitBurst(tokenID: "a", now: t0 + 1_000, messages: 7)
        XCTAssertEqual(batch.admitted, 4)
        XCTAssertEqual(batch.denial?.message, "Suspicious burst detected")
        XCTAssertEqual(batch.denial?.retryAfterSeconds, 59)
        XCTAssertNotNil(guardrail.admitBurst(tokenID: "a", now: t0 + 2_000), "the admitted messages filled the window")
        let exact = guardrail.admitBurst(tokenID: "b", now: t0, messages: 5)
        XCTAssertEqual(exact.admitted, 5)
        XCTAssertNil(exact.denial, "exactly full is not over")
    }

    func testRefusedRequestsDoNotCount() {
        let guardrail = AbuseGuard(limits: .init(burstLimit: 1, burstWindowSeconds: 10, failedAuthLimit: 10, lockoutWindowSeconds: 3600))
        let t0: Int64 = 5_000_000
        XCTAssertNil(guardrail.admitBurst(tokenID: "a", now: t0))
        for offset in stride(from: Int64(1_000), to: 10_000, by: 1_000) {
            XCTAssertNotNil(guardrail.admitBurst(tokenID: "a", now: t0 + offset))
        }
        XCTAssertNil(guardrail.admitBurst(tokenID: "a", now: t0 + 10_000), "hammering during the window does not extend it")
    }

    func testLockoutAfterMoreThanTheLimitAndNotExtendedByRetries() {
        let guardrail = AbuseGuard(limits: .init(burstLimit: 250, burstWindowSeconds: 60, failedAuthLimit: 2, lockoutWindowSeconds: 100))
        let t0: Int64 = 7_000_000
        guardrail.recordFailedAuthentication(address: "10.0.0.1", now: t0)
        guardrail.recordFailedAuthentication(address: "10.0.0.1", now: t0 + 1_000)
        XCTAssertNil(guardrail.lockout(address: "10.0.0.1", now: t0 + 2_000), "two failures are within the limit")
        guardrail.recordFailedAuthentication(address: "10.0.0.1", now: t0 + 3_000)
        let locked = guardrail.lockout(address: "10.0.0.1", now: t0 + 4_000)
        XCTAssertEqual(locked?.message, "Too many failed authentication attempts from your IP")
        XCTAssertEqual(locked?.retryAfterSeconds, 96)  // until the window that began at t0 ends
        for second in 5...50 { guardrail.recordFailedAuthentication(address: "10.0.0.1", now: t0 + Int64(second) * 1_000) }
        XCTAssertNotNil(guardrail.lockout(address: "10.0.0.1", now: t0 + 99_000))
        XCTAssertNil(guardrail.lockout(address: "10.0.0.1", now: t0 + 100_000), "retries did not extend the lockout")
        XCTAssertNil(guardrail.lockout(address: "10.0.0.2", now: t0 + 4_000), "other addresses are not affected")
    }
}

final class RedactionTests: XCTestCase {
    func testCredentialsAreRedactedAndOrdinaryTextIsKept() {
        let input: JSONValue = [
            "title": "Intro call", "password": "hunter2", "notes": "ghp_0123456789abcdefABCDEF0123456789abcd",
            "nested": ["api_key": "x", "list": ["Bearer abc", "plain words here"]],
            "email": "ada@example.com", "url": "https://example.com/a/very/long/path/that/is/not/a/secret/123",
        ]
        let output = Redaction.redact(input)
        XCTAssertEqual(output["title"], "Intro call")
        XCTAssertEqual(output["password"], "[redacted]")
        XCTAssertEqual(output["notes"], "[redacted]")
        XCTAssertEqual(output["nested"]?["api_key"], "[redacted]")
        XCTAssertEqual(output["nested"]?["list"], ["Bearer [redacted]", "plain words here"])
        XCTAssertEqual(output["email"], "ada@example.com")
        XCTAssertEqual(output["url"], "https://example.com/a/very/long/path/that/is/not/a/secret/123")
    }

    /// Secrets inside prose and URLs: only the secret goes, the text around it stays.
    func testCredentialsInsideTextAreRedactedWordByWord() {
        let pat = "thp_0123456789ab_" + String(repeating: "Zx9", count: 14)
        let cases: [(String, String)] = [
            ("please use \(pat) for this", "please use [redacted] for this"),
            ("https://app.example.com/cb?access_token=abc123&state=xyz", "https://app.example.com/cb?access_token=[redacted]&state=xyz"),
            ("curl -H 'Authorization: Bearer abc.def' https://x", "curl -H 'Authorization: Bearer [redacted]' https://x"),
            ("login with password: hunter2 then", "login with password: [redacted] then"),
            ("see https://x.example/api/\(pat)/items", "see https://x.example/api/[redacted]/items"),
            ("the token expired yesterday", "the token expired yesterday"),
            ("{\"id\": 7, \"secret\":\"s3cr3t\"}", "{\"id\": 7, \"secret\":\"[redacted]\"}"),
            ("refresh thr_aaaaaaaaaaaa_bbbb, done", "refresh [redacted], done"),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(Redaction.redact(.string(input)), .string(expected), input)
        }
    }
}
