import HTTPServer
import JSON
import XCTest
@testable import Host

/// The connection settings (toolhost.json, then the environment) and X-Forwarded-For handling.
final class ConnectionSettingsTests: XCTestCase {
    func testDefaultsFileAndEnvironmentOverride() throws {
        XCTAssertEqual(try ConnectionSettings(file: nil), ConnectionSettings())
        let file = try JSONParser.parse(Array(#"{"max": 500, "max_per_address": 7, "first_byte_timeout_seconds": 0.25}"#.utf8))
        let fromFile = try ConnectionSettings(file: file)
        XCTAssertEqual(fromFile.maxConnections, 500)
        XCTAssertEqual(fromFile.maxConnectionsPerAddress, 7)
        XCTAssertEqual(fromFile.firstByteTimeoutSeconds, 0.25)
        let overridden = try fromFile.overridden(by: ["TOOLHOST_MAX_CONNECTIONS_PER_ADDRESS": "9", "TOOLHOST_FIRST_BYTE_TIMEOUT": "1.5"])
        XCTAssertEqual(overridden.maxConnections, 500, "the file's value stays when the environment has none")
        XCTAssertEqual(overridden.maxConnectionsPerAddress, 9)
        XCTAssertEqual(overridden.firstByteTimeoutSeconds, 1.5)
        var server = HTTPServer.Configuration()
        overridden.apply(to: &server)
        XCTAssertEqual(server.maxConnectionsPerAddress, 9)
        XCTAssertEqual(server.firstByteTimeoutSeconds, 1.5)
    }

    func testInvalidValuesNameTheSetting() throws {
        for (environment, name) in [(["TOOLHOST_MAX_CONNECTIONS": "0"], "TOOLHOST_MAX_CONNECTIONS"),
                                    (["TOOLHOST_MAX_CONNECTIONS_PER_ADDRESS": "1e3"], "TOOLHOST_MAX_CONNECTIONS_PER_ADDRESS"),
                                    (["TOOLHOST_FIRST_BYTE_TIMEOUT": "nan"], "TOOLHOST_FIRST_BYTE_TIMEOUT"),
                                    (["TOOLHOST_FIRST_BYTE_TIMEOUT": "0"], "TOOLHOST_FIRST_BYTE_TIMEOUT")] {
            XCTAssertThrowsError(try ConnectionSettings().overridden(by: environment)) { error in
                XCTAssertTrue("\(error)".hasPrefix(name + " must be"), "\(error)")
            }
        }
        for text in [#"{"max": -1}"#, #"{"max_per_address": "5"}"#, #"{"first_byte_timeout_seconds": 7200}"#, "[]"] {
            XCTAssertThrowsError(try ConnectionSettings(file: try JSONParser.parse(Array(text.utf8))), text)
        }
    }

    private func request(from peer: String, forwardedFor: String?) -> HTTPRequest {
        var headers = HTTPHeaders()
        if let forwardedFor { headers.add("X-Forwarded-For", forwardedFor) }
        return HTTPRequest(method: "GET", target: "/", headers: headers, body: [], remoteAddress: peer)
    }

    func testForwardedForHopsMustBeAddresses() {
        let resolver = ClientAddress(trustedProxies: ["10.0.0.1", "0:0::1"])
        XCTAssertEqual(resolver.trustedProxies, ["10.0.0.1", "::1"], "kept in canonical form")
        func client(_ peer: String, _ header: String?) -> String { resolver.resolve(request(from: peer, forwardedFor: header)).remoteAddress }
        XCTAssertEqual(client("10.0.0.1", "203.0.113.9"), "203.0.113.9")
        XCTAssertEqual(client("10.0.0.1", "junk, 203.0.113.9, ::1"), "203.0.113.9", "only the hops read must be addresses")
        XCTAssertEqual(client("10.0.0.1", "2001:DB8:0:0::7"), "2001:db8::7")
        XCTAssertEqual(client("10.0.0.1", "unknown"), "10.0.0.1")
        XCTAssertEqual(client("10.0.0.1", "203.0.113.9:443"), "10.0.0.1")
        XCTAssertEqual(client("10.0.0.1", "203.0.113.9, evil.example"), "10.0.0.1")
        XCTAssertEqual(client("10.0.0.1", String(repeating: "1", count: 5000)), "10.0.0.1")
        XCTAssertEqual(client("10.0.0.1", "10.0.0.1"), "10.0.0.1", "only trusted hops: the peer")
        XCTAssertEqual(client("192.0.2.1", "203.0.113.9"), "192.0.2.1", "not from a trusted proxy: ignored")
    }
}
