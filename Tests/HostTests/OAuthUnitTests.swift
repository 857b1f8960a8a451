import XCTest
@testable import Host

final class OAuthUnitTests: XCTestCase {
    func testScryptRFC7914Vector() {
        let out = Crypto.scrypt(password: Array("password".utf8), salt: Array("NaCl".utf8), n: 1024, r: 8, p: 16, length: 64)
        XCTAssertEqual(out.map(Crypto.hex), "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640")
    }

    func testPasswordHashRoundTrip() {
        let stored = Crypto.hashPassword("correct horse")
        XCTAssertTrue(stored.hasPrefix("scrypt$32768$8$1$"))
        XCTAssertTrue(Crypto.verifyPassword("correct horse", stored: stored))
        XCTAssertFalse(Crypto.verifyPassword("correct horsE", stored: stored))
        XCTAssertFalse(Crypto.verifyPassword("x", stored: "garbage"))
        XCTAssertNotEqual(stored, Crypto.hashPassword("correct horse"), "salts are random")
    }

    func testPKCES256MatchesIndependentComputation() {
        XCTAssertEqual(PKCE.s256Challenge(verifier: "dBjftJeZ4CVP-mJ0anZiOVPRbd3D4XYbF2sCSbA0Lcw"), "dxyVSHowC4d5EMq17wgiitAHEoOAvpdJ62eTmDwKe9E")
        XCTAssertTrue(PKCE.verify(verifier: "dBjftJeZ4CVP-mJ0anZiOVPRbd3D4XYbF2sCSbA0Lcw", challenge: "dxyVSHowC4d5EMq17wgiitAHEoOAvpdJ62eTmDwKe9E"))
        XCTAssertFalse(PKCE.verify(verifier: "short", challenge: PKCE.s256Challenge(verifier: "short")), "verifiers are 43–128 characters")
    }

    func testRedirectURIRules() {
        XCTAssertTrue(RedirectURI.isAcceptable("http://127.0.0.1:33418/callback"))
        XCTAssertTrue(RedirectURI.isAcceptable("http://localhost/cb"))
        XCTAssertTrue(RedirectURI.isAcceptable("https://app.example.com/oauth/cb"))
        XCTAssertFalse(RedirectURI.isAcceptable("http://evil.example.com/cb"))
        XCTAssertFalse(RedirectURI.isAcceptable("https://app.example.com/cb#frag"))
        XCTAssertFalse(RedirectURI.isAcceptable("javascript:alert(1)"))
    }

    func testFormDecoding() {
        let form = FormData.parse("a=1&b=hello+world&c=%2F%3D&a=2")
        XCTAssertEqual(form["a"], "1")
        XCTAssertEqual(form["b"], "hello world")
        XCTAssertEqual(form["c"], "/=")
        XCTAssertEqual(form.all("a"), ["1", "2"])
    }
}
