import JSON
import Locking
import XCTest
@testable import Host

/// Progress and cancellation of tool calls (header section 10) without a server: the in-flight
/// registry, the progress rules and the Accept check.
final class InFlightCallsTests: XCTestCase {
    private func key(_ token: String = "tok1", session: String = "", id: InFlightCalls.RequestID = .int(1)) -> InFlightCalls.Key {
        InFlightCalls.Key(token: token, session: session, id: id)
    }

    func testACancelReachesOnlyTheSameTokenSessionAndID() {
        let registry = InFlightCalls()
        let control = CallControl(progress: nil, registry: registry, key: key(session: "s1"))
        XCTAssertFalse(registry.cancel(key("tok2", session: "s1")))
        XCTAssertFalse(registry.cancel(key(session: "s2")))
        XCTAssertFalse(registry.cancel(key(session: "s1", id: .string("1"))))   // "1" is not 1
        XCTAssertFalse(control.isCancelled)
        XCTAssertTrue(registry.cancel(key(session: "s1")))
        XCTAssertTrue(control.isCancelled)
        XCTAssertTrue(control.cancelledByClient)
    }

    func testEndedCallsAreForgottenAndANewerCallUnderTheSameIDStays() {
        let registry = InFlightCalls()
        let first = CallControl(progress: nil, registry: registry, key: key())
        let second = CallControl(progress: nil, registry: registry, key: key())
        first.end()   // must not remove the newer registration
        XCTAssertEqual(registry.count, 1)
        XCTAssertTrue(registry.cancel(key()))
        XCTAssertTrue(second.isCancelled)
        second.end()
        second.end()
        XCTAssertEqual(registry.count, 0)
        XCTAssertFalse(registry.cancel(key()))
    }

    func testTheFirstReasonWins() {
        let control = CallControl(progress: nil, registry: nil, key: nil)
        control.cancel(.deadline)
        control.cancel(.client)
        XCTAssertTrue(control.isCancelled)
        XCTAssertFalse(control.cancelledByClient)
    }
}

private final class RecordingOutlet: ProgressOutlet, @unchecked Sendable {
    let sent = Locked<[JSONValue]>([])
    func send(_ notification: JSONValue) -> Bool {
        sent.withLock { $0.append(notification) }
        return true
    }
}

final class CallProgressTests: XCTestCase {
    func testNotificationsFollowTheSpecAndValuesMustIncrease() {
        let progress = CallProgress(token: .string("p1"))
        let outlet = RecordingOutlet()
        XCTAssertEqual(progress.report(progress: 1, total: nil, message: nil), .dropped)   // not bound yet
        progress.bind(outlet)
        XCTAssertEqual(progress.report(progress: 1, total: 4, message: "one"), .sent)
        XCTAssertEqual(progress.report(progress: 1, total: 4, message: nil), .invalid)
        XCTAssertEqual(progress.report(progress: 0.5, total: nil, message: nil), .invalid)
        XCTAssertEqual(progress.report(progress: .nan, total: nil, message: nil), .invalid)
        XCTAssertEqual(progress.report(progress: 2.5, total: nil, message: nil), .sent)
        progress.end()
        XCTAssertEqual(progress.report(progress: 3, total: nil, message: nil), .dropped)   // nothing after the answer
        let sent = outlet.sent.withLock { $0 }
        XCTAssertEqual(sent.map { $0.jsonString }, [
            #"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"p1","progress":1,"total":4,"message":"one"}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"p1","progress":2.5}}"#,
        ])
    }

    func testOnlyStringAndIntegerTokensAreUsed() throws {
        func token(_ json: String) throws -> JSONValue? { CallProgress.token(in: try JSONParser.parse(json)) }
        XCTAssertEqual(try token(#"{"params":{"_meta":{"progressToken":"a"}}}"#), .string("a"))
        XCTAssertEqual(try token(#"{"params":{"_meta":{"progressToken":7}}}"#), .int(7))
        XCTAssertNil(try token(#"{"params":{"_meta":{"progressToken":null}}}"#))
        XCTAssertNil(try token(#"{"params":{"name":"x"}}"#))
    }

    func testAcceptHeaderDecidesWhetherSSEIsAllowed() {
        XCTAssertTrue(AcceptHeader.allowsEventStream("application/json, text/event-stream"))
        XCTAssertTrue(AcceptHeader.allowsEventStream("*/*"))
        XCTAssertTrue(AcceptHeader.allowsEventStream("application/json;q=0.9, TEXT/*"))
        XCTAssertFalse(AcceptHeader.allowsEventStream("application/json"))
        XCTAssertFalse(AcceptHeader.allowsEventStream("text/event-stream;q=0"))
        XCTAssertFalse(AcceptHeader.allowsEventStream(nil))
    }
}
