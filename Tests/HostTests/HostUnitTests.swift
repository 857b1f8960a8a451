import XCTest
@testable import Host

final class PersonalAccessTokenTests: XCTestCase {
    func testGeneratedTokenRoundTripsAndCarries256Bits() {
        let token = PersonalAccessToken.generate()
        XCTAssertTrue(token.text.hasPrefix("thp_"))
        XCTAssertEqual(token.secret.count, 43)  // 43 base62 characters = 256.03 bits
        let parsed = PersonalAccessToken.parse(Substring(token.text))
        XCTAssertEqual(parsed?.id, token.id)
        XCTAssertEqual(parsed?.secret, token.secret)
        XCTAssertEqual(parsed?.hash, token.hash)
    }

    func testTwoTokensDiffer() {
        XCTAssertNotEqual(PersonalAccessToken.generate().text, PersonalAccessToken.generate().text)
    }

    func testMalformedTokensAreRejected() {
        let good = PersonalAccessToken.generate().text
        for bad in ["", "thp_", "ghp_" + good.dropFirst(4), String(good.dropLast()), good + "x",
                    good.replacingOccurrences(of: "_", with: "-"), "thp_ZZZZZZZZZZZZ_" + String(repeating: "a", count: 43)] {
            XCTAssertNil(PersonalAccessToken.parse(Substring(bad)), bad)
        }
    }

    func testOperatorTypedIDsNormalize() {
        XCTAssertEqual(PersonalAccessToken.normalizeID("tok_0123456789ab"), "0123456789ab")
        XCTAssertEqual(PersonalAccessToken.normalizeID("0123456789ab"), "0123456789ab")
        XCTAssertNil(PersonalAccessToken.normalizeID("tok_xyz"))
    }
}

final class CryptoTests: XCTestCase {
    func testSHA256KnownAnswer() {
        XCTAssertEqual(Crypto.sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testConstantTimeEquals() {
        XCTAssertTrue(Crypto.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(Crypto.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(Crypto.constantTimeEquals([1, 2, 3], [1, 2]))
    }

    func testBase62IsUniformAlphabetOnly() {
        let text = Crypto.randomBase62(10_000)
        XCTAssertEqual(text.count, 10_000)
        XCTAssertTrue(text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII })
        XCTAssertEqual(Set(text).count, 62)
    }
}

final class RoutingTests: XCTestCase {
    func testRoutes() {
        XCTAssertEqual(MCPRoute(path: "/demo/mcp")?.tenant, "demo")
        XCTAssertNil(MCPRoute(path: "/demo/mcp")?.toolset)
        XCTAssertEqual(MCPRoute(path: "/demo/mcp/scheduling")?.toolset, "scheduling")
        XCTAssertEqual(MCPRoute(path: "/demo/mcp/")?.tenant, "demo")
        XCTAssertEqual(MCPRoute(path: "/demo/mcp/scheduling/")?.toolset, "scheduling")
        XCTAssertNil(MCPRoute(path: "/demo"))
        XCTAssertNil(MCPRoute(path: "//mcp"))
        XCTAssertNil(MCPRoute(path: "/demo/mcp/a/b"))
        XCTAssertNil(MCPRoute(path: "/demo/api"))
        // Only names that follow the naming rules route (they end up in headers and lookups).
        XCTAssertNil(MCPRoute(path: #"/x",error="evil/mcp"#))
        XCTAssertNil(MCPRoute(path: "/Demo/mcp"))
        XCTAssertNil(MCPRoute(path: "/-demo/mcp"))
        XCTAssertNil(MCPRoute(path: "/demo/mcp/Scheduling"))
        XCTAssertNil(MCPRoute(path: #"/demo/mcp/a"b"#))
        XCTAssertEqual(MCPRoute(path: "/my-team-2/mcp/x_y")?.toolset, "x_y")
    }

    func testContentTypeMediaType() {
        XCTAssertEqual(RequestGuardrails.mediaType("Application/JSON; charset=utf-8"), "application/json")
        XCTAssertEqual(RequestGuardrails.mediaType(" text/plain "), "text/plain")
        for accepted in ["application/json", "Application/JSON", "application/json; charset=utf-8", " application/json ;x=y", "application/json\t"] {
            XCTAssertTrue(RequestGuardrails.isJSON(accepted), accepted)
        }
        for refused in ["", "text/plain", "application/jso", "application/jsonx", "application/json-seq", "application/json x", "xapplication/json"] {
            XCTAssertFalse(RequestGuardrails.isJSON(refused), refused)
        }
    }

    func testChallengeValuesAreQuotedStrings() {
        XCTAssertEqual(Denial.quoted(#"a"b\c"#), #""a\"b\\c""#)
        XCTAssertEqual(Denial.quoted("x\r\ny"), #""xy""#)
    }

    func testHostHeaderPortIsIgnored() {
        XCTAssertEqual(RequestGuardrails.hostWithoutPort("127.0.0.1:8787"), "127.0.0.1")
        XCTAssertEqual(RequestGuardrails.hostWithoutPort("[::1]:8787"), "[::1]")
        XCTAssertEqual(RequestGuardrails.hostWithoutPort("localhost"), "localhost")
    }

    func testCursorRoundTripAndRejection() {
        XCTAssertEqual(ToolMethods.decodeCursor(ToolMethods.encodeCursor(150)), 150)
        XCTAssertNil(ToolMethods.decodeCursor(""))
        XCTAssertNil(ToolMethods.decodeCursor("tl1.-5"))
        XCTAssertNil(ToolMethods.decodeCursor("abc"))
    }
}

final class TimestampTests: XCTestCase {
    func testDateMeansThroughTheEndOfThatDayUTC() {
        // 2026-12-31 00:00:00Z is 1798675200 s; valid through the day → +86400 s.
        XCTAssertEqual(Timestamp.parseExpiry("2026-12-31"), (1_798_675_200 + 86_400) * 1000)
    }

    func testRFC3339WithOffset() {
        XCTAssertEqual(Timestamp.parseExpiry("2026-12-31T01:00:00+01:00"), 1_798_675_200 * 1000)
    }

    func testInvalidDates() {
        for bad in ["2026-02-30", "2026-13-01", "tomorrow", "2026-1-1", ""] {
            XCTAssertNil(Timestamp.parseExpiry(bad), bad)
        }
    }

    func testFormatting() {
        XCTAssertEqual(Timestamp.iso8601(millisecondsSinceEpoch: 1_798_675_200_123), "2026-12-31T00:00:00Z")
        XCTAssertEqual(Timestamp.iso8601(millisecondsSinceEpoch: 1_798_675_200_123, fractional: true), "2026-12-31T00:00:00.123Z")
    }
}

final class ArgumentsTests: XCTestCase {
    private let spec = CommandSpec("test", summary: "A command for the tests.", options: [.valued("name", "N", "a name"), .json])

    func testValuedBooleanAndPositional() throws {
        let arguments = try Arguments(["create", "--name", "x", "--json", "--data=/tmp/d"], for: spec)
        XCTAssertEqual(arguments.positionals, ["create"])
        XCTAssertEqual(arguments.value("name"), "x")
        XCTAssertEqual(arguments.value("data"), "/tmp/d")
        XCTAssertTrue(arguments.has("json"))
    }

    func testUnknownOptionAndMissingValueAreErrors() {
        XCTAssertThrowsError(try Arguments(["--nmae", "x"], for: spec)) { error in
            XCTAssertTrue("\(error)".contains("unknown option --nmae"))
        }
        XCTAssertThrowsError(try Arguments(["--name"], for: spec)) { error in
            XCTAssertTrue("\(error)".contains("--name needs a value"))
        }
    }

    func testTenantNames() {
        XCTAssertTrue(TenantCommands.isValidName("acme-2"))
        XCTAssertFalse(TenantCommands.isValidName("-acme"))
        XCTAssertFalse(TenantCommands.isValidName("Acme"))
        XCTAssertFalse(TenantCommands.isValidName("a/b"))
        XCTAssertFalse(TenantCommands.isValidName(String(repeating: "a", count: 64)))
    }
}

final class RPCMessageTests: XCTestCase {
    func testEnvelopeValidation() {
        func reject(_ json: String, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
            let value = try! JSONParser.parse(json)
            guard case .failure(.error(_, let error)) = RPCMessage.from(value) else { return XCTFail("accepted \(json)", file: file, line: line) }
            XCTAssertTrue(error.message.contains(fragment), error.message, file: file, line: line)
        }
        reject(#"[1]"#, "must be an object")
        reject(#"{"jsonrpc":"1.0","id":1,"method":"x"}"#, "\"jsonrpc\" must be \"2.0\"")
        reject(#"{"jsonrpc":"2.0","id":null,"method":"x"}"#, "id must be a string or an integer")
        for id in ["1.0", "1e2", "1.5", "9223372036854775808", "true", "{}"] {
            reject(#"{"jsonrpc":"2.0","id":\#(id),"method":"x"}"#, "so that the reply can echo it exactly")
        }
        reject(#"{"jsonrpc":"2.0","id":1,"method":"x","params":[]}"#, "\"params\" must be an object")
        reject(#"{"jsonrpc":"2.0","id":1}"#, "missing \"method\"")
    }

    func testNotificationHasNoID() throws {
        let value = try JSONParser.parse(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        guard case .success(let message) = RPCMessage.from(value) else { return XCTFail() }
        XCTAssertTrue(message.isNotification)
    }
}

import JSON
