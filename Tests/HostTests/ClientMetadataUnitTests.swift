import XCTest
@testable import Host

/// The SSRF guard of client metadata document fetching: address classification, URL shape,
/// and document validation (no network).
final class ClientMetadataUnitTests: XCTestCase {
    private func kind(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> AddressKind? {
        guard let bytes = NetworkAddress.parse(text) else { XCTFail("unparsable \(text)", file: file, line: line); return nil }
        return NetworkAddress.classify(bytes)
    }

    func testIPv4Classification() {
        XCTAssertEqual(kind("127.0.0.1"), .loopback)
        XCTAssertEqual(kind("127.255.0.9"), .loopback)
        XCTAssertEqual(kind("10.0.0.1"), .privateNetwork)
        XCTAssertEqual(kind("172.16.0.1"), .privateNetwork)
        XCTAssertEqual(kind("172.31.255.255"), .privateNetwork)
        XCTAssertEqual(kind("172.32.0.1"), .publicUnicast)
        XCTAssertEqual(kind("172.15.255.255"), .publicUnicast)
        XCTAssertEqual(kind("192.168.1.1"), .privateNetwork)
        XCTAssertEqual(kind("169.254.169.254"), .linkLocal)
        XCTAssertEqual(kind("100.64.0.1"), .sharedAddressSpace)
        XCTAssertEqual(kind("100.127.255.255"), .sharedAddressSpace)
        XCTAssertEqual(kind("100.128.0.1"), .publicUnicast)
        XCTAssertEqual(kind("224.0.0.1"), .multicast)
        XCTAssertEqual(kind("239.255.255.250"), .multicast)
        XCTAssertEqual(kind("0.0.0.0"), .unspecified)
        XCTAssertEqual(kind("255.255.255.255"), .reserved)
        XCTAssertEqual(kind("8.8.8.8"), .publicUnicast)
        XCTAssertEqual(kind("93.184.216.34"), .publicUnicast)
    }

    func testIPv6Classification() {
        XCTAssertEqual(kind("::1"), .loopback)
        XCTAssertEqual(kind("::"), .unspecified)
        XCTAssertEqual(kind("fc00::1"), .privateNetwork)
        XCTAssertEqual(kind("fd12:3456::1"), .privateNetwork)
        XCTAssertEqual(kind("fe80::1"), .linkLocal)
        XCTAssertEqual(kind("febf::1"), .linkLocal)
        XCTAssertEqual(kind("ff02::1"), .multicast)
        XCTAssertEqual(kind("2606:4700:4700::1111"), .publicUnicast)
        // Embedded IPv4 addresses are judged by the IPv4 rules.
        XCTAssertEqual(kind("::ffff:127.0.0.1"), .loopback)
        XCTAssertEqual(kind("::ffff:10.1.2.3"), .privateNetwork)
        XCTAssertEqual(kind("::ffff:169.254.169.254"), .linkLocal)
        XCTAssertEqual(kind("::ffff:8.8.8.8"), .publicUnicast)
        XCTAssertEqual(kind("64:ff9b::a00:1"), .privateNetwork)
        XCTAssertEqual(kind("2002:c0a8:0101::1"), .privateNetwork)
        XCTAssertEqual(kind("2001:db8::1"), .reserved)
    }

    func testParseRejectsNonAddresses() {
        XCTAssertNil(NetworkAddress.parse("example.com"))
        XCTAssertNil(NetworkAddress.parse("10.0.0"))
        XCTAssertNil(NetworkAddress.parse(""))
    }

    func testNumericHostsResolveWithoutLookup() {
        XCTAssertEqual(NetworkAddress.resolve("10.0.0.1"), ["10.0.0.1"])
        XCTAssertEqual(NetworkAddress.resolve("::1"), ["::1"])
    }

    private func targetError(_ url: String, allowLoopback: Bool = false) -> String? {
        do { _ = try ClientMetadataDocument.target(url, allowLoopback: allowLoopback); return nil } catch { return error.message }
    }

    private func addressError(_ url: String, allowLoopback: Bool = false) -> String? {
        do {
            let target = try ClientMetadataDocument.target(url, allowLoopback: allowLoopback)
            _ = try ClientMetadataDocument.checkedAddresses(target, allowLoopback: allowLoopback)
            return nil
        } catch { return error.message }
    }

    func testURLShape() {
        XCTAssertNil(targetError("https://client.example.com/metadata.json"))
        XCTAssertNotNil(targetError("https://client.example.com/"), "a path is required")
        XCTAssertNotNil(targetError("https://client.example.com"), "a path is required")
        XCTAssertNotNil(targetError("https://user:pw@client.example.com/m.json"))
        XCTAssertNotNil(targetError("https://client.example.com/m.json#x"))
        XCTAssertNotNil(targetError("ftp://client.example.com/m.json"))
        XCTAssertTrue(targetError("http://127.0.0.1:8080/m.json")?.contains("https") == true, "http only with the allowance")
        XCTAssertNil(targetError("http://127.0.0.1:8080/m.json", allowLoopback: true))
        XCTAssertNil(targetError("http://localhost:8080/m.json", allowLoopback: true))
        XCTAssertNotNil(targetError("http://client.example.com/m.json", allowLoopback: true), "http never off loopback")
    }

    func testPrivateAndLoopbackAddressesAreRefusedBeforeConnecting() {
        XCTAssertTrue(addressError("https://10.0.0.1/client.json")?.contains("private") == true)
        XCTAssertTrue(addressError("https://169.254.169.254/latest/meta-data")?.contains("link-local") == true)
        XCTAssertTrue(addressError("https://100.64.1.1/c.json")?.contains("CGNAT") == true)
        XCTAssertTrue(addressError("https://[fd00::1]/c.json")?.contains("private") == true)
        XCTAssertTrue(addressError("https://[fe80::1]/c.json")?.contains("link-local") == true)
        XCTAssertTrue(addressError("https://127.0.0.1/c.json")?.contains("loopback") == true)
        XCTAssertTrue(addressError("https://[::1]/c.json")?.contains("loopback") == true)
        XCTAssertNil(addressError("https://127.0.0.1/c.json", allowLoopback: true))
        XCTAssertNotNil(addressError("https://10.0.0.1/c.json", allowLoopback: true), "the allowance is for loopback only")
        XCTAssertNil(addressError("https://8.8.8.8/c.json"))
    }

    private func validationError(_ doc: String, id: String = "https://app.example.com/client.json") -> String? {
        do { _ = try ClientMetadataDocument.validate(Array(doc.utf8), clientID: id, now: 1); return nil } catch { return error.message }
    }

    func testDocumentValidation() throws {
        let id = "https://app.example.com/client.json"
        let good = #"{"client_id": "\#(id)", "client_name": "App", "redirect_uris": ["http://127.0.0.1:5000/cb"], "token_endpoint_auth_method": "none"}"#
        let client = try ClientMetadataDocument.validate(Array(good.utf8), clientID: id, now: 42)
        XCTAssertEqual(client.clientID, id)
        XCTAssertEqual(client.name, "App")
        XCTAssertEqual(client.redirectURIs, ["http://127.0.0.1:5000/cb"])
        XCTAssertTrue(client.isMetadataDocument)
        XCTAssertEqual(client.fetchedMs, 42)
        XCTAssertEqual(validationError(#"{"client_id": "https://app.example.com/other.json", "redirect_uris": ["https://a.example.com/cb"]}"#),
                       "the client metadata document's client_id does not equal its URL")
        XCTAssertNotNil(validationError("[1]"))
        XCTAssertNotNil(validationError(#"{"client_id": "\#(id)", "redirect_uris": []}"#))
        XCTAssertNotNil(validationError(#"{"client_id": "\#(id)", "redirect_uris": ["http://evil.example.com/cb"]}"#))
        XCTAssertNotNil(validationError(#"{"client_id": "\#(id)", "redirect_uris": ["https://a.example.com/cb"], "token_endpoint_auth_method": "client_secret_basic"}"#))
        XCTAssertNotNil(validationError(#"{"client_id": "\#(id)", "redirect_uris": ["https://a.example.com/cb"], "client_secret": "x"}"#))
        XCTAssertNotNil(validationError(#"{"client_id": "\#(id)", "redirect_uris": ["https://a.example.com/cb"], "grant_types": ["password"]}"#))
        XCTAssertNil(validationError(#"{"client_id": "\#(id)", "redirect_uris": ["https://a.example.com/cb"]}"#))
    }
}
