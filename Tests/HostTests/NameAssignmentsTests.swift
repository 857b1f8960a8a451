import XCTest
@testable import Host

/// The rule that decides which library gets a name: host.db's assignment, then the only claimant,
/// never the order the claimants arrive in.
final class NameAssignmentsTests: XCTestCase {
    func testTheHolderKeepsItsNameAndEveryOtherClaimantIsRefused() {
        var assignments = NameAssignments([NameAssignment(kind: .toolset, name: "notes", holder: "notes", assignedMs: 1, byOperator: false)])
        let refusals = assignments.decide(.toolset, "notes", claimants: ["collide", "notes", "other"], nowMs: 2)
        XCTAssertEqual(Set(refusals.keys), ["collide", "other"])
        XCTAssertTrue(refusals["collide"]!.hasPrefix("toolset \"notes\" is assigned to notes (host.db); collide claims it too."), refusals["collide"]!)
        XCTAssertTrue(assignments.firstSeen.isEmpty)
    }

    func testAnUnheldNameGoesToItsOnlyClaimantAndIsRemembered() {
        var assignments = NameAssignments()
        XCTAssertEqual(assignments.decide(.plugin, "notes", claimants: ["libnotes.so"], nowMs: 5), [:])
        XCTAssertEqual(assignments.firstSeen, [NameAssignment(kind: .plugin, name: "notes", holder: "libnotes.so", assignedMs: 5, byOperator: false)])
        XCTAssertEqual(assignments.holder(of: "notes", kind: .plugin)?.holder, "libnotes.so")
    }

    func testTwoClaimantsOfAnUnheldNameAreBothRefusedInEitherOrder() {
        var forward = NameAssignments()
        var backward = NameAssignments()
        let a = forward.decide(.commandGroup, "notes", claimants: ["alpha", "omega"], nowMs: 1)
        let b = backward.decide(.commandGroup, "notes", claimants: ["omega", "alpha"], nowMs: 1)
        XCTAssertEqual(a, b)
        XCTAssertEqual(Set(a.keys), ["alpha", "omega"])
        XCTAssertTrue(a["alpha"]!.contains("toolhost plugins assign --command-group notes --plugin alpha"), a["alpha"]!)
        XCTAssertTrue(forward.firstSeen.isEmpty)
        XCTAssertNil(forward.holder(of: "notes", kind: .commandGroup))
    }

    func testKindsAreSeparate() {
        var assignments = NameAssignments([NameAssignment(kind: .plugin, name: "notes", holder: "libnotes.so", assignedMs: 1, byOperator: true)])
        XCTAssertEqual(assignments.decide(.toolset, "notes", claimants: ["other"], nowMs: 2), [:])
    }
}
