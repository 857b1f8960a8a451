import XCTest
@testable import PipelineEngine

final class FolderPathTests: XCTestCase {
    private func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    func testResolvesInsideRoot() throws {
        let folder = try TemporaryFolder()
        _ = try folder.file("data/a.csv", "x")
        let root = try XCTUnwrap(realpath(folder.path, nil).map { p in defer { free(p) }; return String(cString: p) })
        XCTAssertEqual(try FolderPath.resolve(root: folder.path, relative: "data/a.csv"), root + "/data/a.csv")
        XCTAssertEqual(try FolderPath.resolve(root: folder.path, relative: "./data//new/b.csv"), root + "/data/new/b.csv")
    }

    func testRefusesEscapes() throws {
        let folder = try TemporaryFolder()
        let outside = try TemporaryFolder()
        _ = try outside.file("secret.csv", "s")
        XCTAssertTrue(message { _ = try FolderPath.resolve(root: folder.path, relative: "../x.csv") }.contains("contains '..'"))
        XCTAssertTrue(message { _ = try FolderPath.resolve(root: folder.path, relative: "a/../../x.csv") }.contains("contains '..'"))
        XCTAssertTrue(message { _ = try FolderPath.resolve(root: folder.path, relative: "/etc/passwd") }.contains("is absolute"))
        XCTAssertTrue(message { _ = try FolderPath.resolve(root: folder.path, relative: "a\u{0}b") }.contains("NUL"))
        XCTAssertTrue(message { _ = try FolderPath.resolve(root: folder.path, relative: "") }.contains("empty"))
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/link", withDestinationPath: outside.path)
        let viaLink = message { _ = try FolderPath.resolve(root: folder.path, relative: "link/secret.csv") }
        XCTAssertTrue(viaLink.contains("leads outside the connection's folder"), viaLink)
        XCTAssertTrue(message { _ = try FolderPath.resolve(root: folder.path, relative: "link/new.csv") }.contains("leads outside"))
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/dangling", withDestinationPath: outside.path + "/nothing")
        XCTAssertTrue(message { _ = try FolderPath.resolve(root: folder.path, relative: "dangling") }.contains("broken symbolic link"))
        // A link that stays inside is fine.
        _ = try folder.file("real/f.csv", "x")
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/alias", withDestinationPath: folder.path + "/real")
        XCTAssertTrue(try FolderPath.resolve(root: folder.path, relative: "alias/f.csv").hasSuffix("/real/f.csv"))
    }

    func testListsRegularFilesSortedWithinLimit() throws {
        let folder = try TemporaryFolder()
        let outside = try TemporaryFolder()
        _ = try outside.file("secret.csv", "s")
        for name in ["b.csv", "a.csv", "sub/c.jsonl", "sub/deeper/d.txt"] { _ = try folder.file(name, "x") }
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/out", withDestinationPath: outside.path)
        XCTAssertEqual(try FolderPath.list(root: folder.path, under: nil, limit: 100), ["a.csv", "b.csv", "sub/c.jsonl", "sub/deeper/d.txt"])
        XCTAssertEqual(try FolderPath.list(root: folder.path, under: "sub", limit: 100), ["sub/c.jsonl", "sub/deeper/d.txt"])
        XCTAssertEqual(try FolderPath.list(root: folder.path, under: nil, limit: 2), ["a.csv", "b.csv"])
        XCTAssertThrowsError(try FolderPath.list(root: folder.path, under: "out", limit: 10))
        XCTAssertThrowsError(try FolderPath.list(root: folder.path, under: "a.csv", limit: 10))
    }
}
