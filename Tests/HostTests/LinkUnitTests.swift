import Foundation
import XCTest
@testable import Host

/// Signed links (header section 11): what the signature covers, how URLs are read, the verdicts
/// and the escaping of download names.
final class LinkUnitTests: XCTestCase {
    private let key = LinkKey(id: "k0123456789ab", secret: Array(repeating: 7, count: 32), createdMs: 0, retiredMs: nil)
    private let signed = LinkSignature(tenant: "acme", plugin: "files", path: "download/a.pdf", linkID: "lnk_0123456789abcdef01234567",
                                       expiresAt: 1_900_000_000, singleUse: true)

    func testSignatureCoversEveryField() {
        let signature = signed.sign(with: key)
        XCTAssertTrue(signed.verify(signature, with: key))
        let variants = [
            LinkSignature(tenant: "other", plugin: "files", path: signed.path, linkID: signed.linkID, expiresAt: signed.expiresAt, singleUse: true),
            LinkSignature(tenant: "acme", plugin: "other", path: signed.path, linkID: signed.linkID, expiresAt: signed.expiresAt, singleUse: true),
            LinkSignature(tenant: "acme", plugin: "files", path: "download/b.pdf", linkID: signed.linkID, expiresAt: signed.expiresAt, singleUse: true),
            LinkSignature(tenant: "acme", plugin: "files", path: signed.path, linkID: "lnk_x", expiresAt: signed.expiresAt, singleUse: true),
            LinkSignature(tenant: "acme", plugin: "files", path: signed.path, linkID: signed.linkID, expiresAt: signed.expiresAt + 1, singleUse: true),
            LinkSignature(tenant: "acme", plugin: "files", path: signed.path, linkID: signed.linkID, expiresAt: signed.expiresAt, singleUse: false),
            // Fields cannot run into each other: "acme\nfiles" is not "acm" + "e\nfiles".
            LinkSignature(tenant: "acm", plugin: "efiles", path: signed.path, linkID: signed.linkID, expiresAt: signed.expiresAt, singleUse: true),
        ]
        for variant in variants { XCTAssertFalse(variant.verify(signature, with: key), "\(variant)") }
        let otherKey = LinkKey(id: key.id, secret: Array(repeating: 8, count: 32), createdMs: 0, retiredMs: nil)
        XCTAssertFalse(signed.verify(signature, with: otherKey))
        XCTAssertFalse(signed.verify(String(signature.dropLast()), with: key))
    }

    func testParametersRoundTripAndRefuseAmbiguity() throws {
        let query = signed.query(keyID: key.id, signature: signed.sign(with: key))
        let parameters = try XCTUnwrap(LinkParameters(query: query + "&x=1&y"))
        XCTAssertEqual(parameters.linkID, signed.linkID)
        XCTAssertEqual(parameters.expiresAt, signed.expiresAt)
        XCTAssertTrue(parameters.singleUse)
        XCTAssertEqual(parameters.keyID, key.id)
        XCTAssertEqual(parameters.rest, "x=1&y")
        XCTAssertNil(LinkParameters(query: nil))
        XCTAssertNil(LinkParameters(query: query + "&l=lnk_other"))        // repeated
        XCTAssertNil(LinkParameters(query: query.replacingOccurrences(of: "u=1", with: "u=yes")))
        XCTAssertNil(LinkParameters(query: query.replacingOccurrences(of: "e=", with: "e=-")))
        XCTAssertNil(LinkParameters(query: "l=lnk_1&e=1&k=k1"))            // no signature
    }

    func testRoutesAndPaths() {
        XCTAssertEqual(LinkRoute(path: "/acme/x/files/download/a.pdf"), LinkRoute(tenant: "acme", plugin: "files", path: "download/a.pdf"))
        XCTAssertNil(LinkRoute(path: "/acme/x/files"))
        XCTAssertNil(LinkRoute(path: "/acme/x/files/"))
        XCTAssertNil(LinkRoute(path: "/acme/x/files/download/../../etc"))
        XCTAssertNil(LinkRoute(path: "/acme/x/files/download//a"))
        XCTAssertNil(LinkRoute(path: "/acme/x/files/download/%2e%2e"))
        XCTAssertNil(LinkRoute(path: "/ACME/x/files/a"))
        XCTAssertNil(LinkRoute(path: "/acme/mcp/files/a"))
        XCTAssertEqual(LinkPath.rest(of: "download/a", under: "download"), "a")
        XCTAssertEqual(LinkPath.rest(of: "download", under: "download"), "")
        XCTAssertNil(LinkPath.rest(of: "downloads/a", under: "download"))
    }

    func testContentDispositionEscapes() {
        XCTAssertEqual(ContentDisposition.attachment(filename: "report.pdf"), "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf")
        XCTAssertEqual(ContentDisposition.attachment(filename: "Größe 100%.txt"),
                       "attachment; filename=\"Gr__e 100_.txt\"; filename*=UTF-8''Gr%C3%B6%C3%9Fe%20100%25.txt")
        XCTAssertEqual(ContentDisposition.attachment(filename: "../a\r\nSet-Cookie: x\"y"),
                       "attachment; filename=\"..aSet-Cookie: x_y\"; filename*=UTF-8''..aSet-Cookie%3A%20x%22y")
        XCTAssertEqual(ContentDisposition.attachment(filename: "\n/"), "attachment")
    }

    func testVerifierVerdictsAndSingleUse() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("links-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try LinkStore(dataDirectory: folder)
        let key = try store.currentKey()
        let link = LinkRecord(id: LinkSignature.newLinkID(), tenant: "acme", plugin: "files", path: "download/a", claims: "{}", keyID: key.id,
                              expiresAt: 2_000_000_000, singleUse: true, usedMs: nil, revokedMs: nil, createdBy: "tok_x", createdMs: 0)
        try store.insert(link)
        let signature = LinkSignature(link)
        let parameters = try XCTUnwrap(LinkParameters(query: signature.query(keyID: key.id, signature: signature.sign(with: key))))
        let route = try XCTUnwrap(LinkRoute(path: "/acme/x/files/download/a"))
        let verifier = LinkVerifier(store: store, tenantExists: { $0 == "acme" })
        let now: Int64 = 1_800_000_000_000
        XCTAssertEqual(try verifier.verify(route: route, parameters: parameters, nowMs: now, consume: false), .allowed(link))
        guard case .allowed = try verifier.verify(route: route, parameters: parameters, nowMs: now, consume: true) else { return XCTFail() }
        guard case .gone(_, "already used") = try verifier.verify(route: route, parameters: parameters, nowMs: now, consume: true) else { return XCTFail() }
        let lenient = LinkVerifier(store: store, tenantExists: { _ in true })
        guard case .gone(_, "expired") = try lenient.verify(route: route, parameters: parameters, nowMs: 2_000_000_000_000, consume: false) else {
            return XCTFail()
        }
        let moved = try XCTUnwrap(LinkRoute(path: "/other/x/files/download/a"))
        guard case .unknown = try verifier.verify(route: moved, parameters: parameters, nowMs: now, consume: false) else { return XCTFail() }
        // Retiring the key: every link it signed is unknown from then on.
        _ = try store.rotateKey(retireOthers: true)
        guard case .unknown = try verifier.verify(route: route, parameters: parameters, nowMs: now, consume: false) else { return XCTFail() }
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: folder + "/links.db")[.posixPermissions] as? NSNumber)?.intValue, 0o600)
    }
}
