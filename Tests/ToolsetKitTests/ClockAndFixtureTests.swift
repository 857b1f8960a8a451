import Foundation
import JSON
import PluginABI
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class ClockPluginTests: XCTestCase {
    func testClockTools() throws {
        let host = TestHost()
        let info = try TestHost.entry(path: TestHost.productsDirectory() + "/libToolhostClock.so")
        XCTAssertEqual(info.pointee.abi_major, UInt16(TOOLHOST_ABI_MAJOR))
        XCTAssertEqual(info.pointee.struct_size, UInt32(MemoryLayout<th_plugin_info>.size))
        XCTAssertEqual(String(cString: info.pointee.name), "clock")
        XCTAssertEqual(host.initialize(info), TH_OK)
        let toolset = try XCTUnwrap(host.toolset("clock"))
        XCTAssertNil(toolset.minPlan)
        XCTAssertEqual(toolset.tools.map(\.name), ["current_time", "days_between"])
        XCTAssertTrue(host.migrations.isEmpty)
        for tool in toolset.tools {
            XCTAssertEqual(tool.inputSchema["additionalProperties"], false)
            XCTAssertEqual(tool.outputSchema?["type"], "object")
            XCTAssertEqual(tool.annotations & UInt32(TH_HINT_READ_ONLY), UInt32(TH_HINT_READ_ONLY))
        }

        let now = host.call("clock", "current_time", [:], database: nil)
        XCTAssertEqual(now.status, TH_OK)
        XCTAssertEqual(now.structured, ["utc": "2026-11-23T07:00:00Z", "unix_ms": 1_795_417_200_000])
        XCTAssertEqual(try JSONParser.parse(now.text), now.structured)
        XCTAssertEqual(now.isError, false)

        let days = host.call("clock", "days_between", ["start_date": "2026-11-23", "end_date": "2027-03-01"], database: nil)
        XCTAssertEqual(days.structured, ["days": 98])
        let leap = host.call("clock", "days_between", ["end_date": "2028-02-28", "start_date": "2028-03-01"], database: nil)
        XCTAssertEqual(leap.structured, ["days": -2])
        let bad = host.call("clock", "days_between", ["start_date": "2026-02-30", "end_date": "2026-03-01"], database: nil)
        XCTAssertEqual(bad.status, TH_OK)
        XCTAssertTrue(bad.isError)
        XCTAssertEqual(bad.text, "\"start_date\" must be a calendar date in YYYY-MM-DD form, e.g. \"2026-12-01\"")
        let badEnd = host.call("clock", "days_between", ["start_date": "2026-01-01", "end_date": "01/02/2026"], database: nil)
        XCTAssertEqual(badEnd.text, "\"end_date\" must be a calendar date in YYYY-MM-DD form, e.g. \"2026-12-24\"")
    }
}

/// Compiles the bad-plugin fixtures the way host tests will and checks each one misbehaves as documented.
final class FixtureTests: XCTestCase {
    static func compile(_ name: String) throws -> String {
        let root = TestHost.packageRoot
        let output = NSTemporaryDirectory() + "toolsetkit-fixture-\(name)-\(getpid()).so"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["cc", "-shared", "-fPIC", "-Wall", "-I", root + "/Sources/PluginABI/include",
                             root + "/Tests/fixtures/plugins/\(name).c", "-o", output]
        try process.run()
        process.waitUntilExit()
        struct CompileFailure: Error, CustomStringConvertible { let description: String }
        guard process.terminationStatus == 0 else { throw CompileFailure(description: "cc could not compile \(name).c") }
        return output
    }

    func testFixturesBehaveAsDocumented() throws {
        let wrongMajor = try TestHost.entry(path: Self.compile("wrong_major"))
        XCTAssertEqual(wrongMajor.pointee.abi_major, 99)
        let newerMinor = try TestHost.entry(path: Self.compile("newer_minor"))
        XCTAssertEqual(newerMinor.pointee.abi_major, UInt16(TOOLHOST_ABI_MAJOR))
        XCTAssertEqual(newerMinor.pointee.abi_minor, UInt16(TOOLHOST_ABI_MINOR + 5))

        XCTAssertThrowsError(try TestHost.entry(path: Self.compile("no_entry"))) { error in
            XCTAssertEqual((error as NSError).domain, "dlsym")
        }
        XCTAssertThrowsError(try TestHost.entry(path: Self.compile("unresolved"))) { error in
            XCTAssertTrue((error as NSError).localizedDescription.contains("toolhost_does_not_exist"), "\(error)")
        }

        let failing = TestHost()
        XCTAssertEqual(failing.initialize(try TestHost.entry(path: Self.compile("init_fails"))), TH_ERROR)
        XCTAssertEqual(failing.initError, "database unavailable")

        let dupe = TestHost()
        let dupeInfo = try TestHost.entry(path: Self.compile("duplicate_scheduling"))
        XCTAssertEqual(String(cString: dupeInfo.pointee.name), "dupe")
        XCTAssertEqual(dupe.initialize(dupeInfo), TH_OK)
        XCTAssertEqual(dupe.toolsets.map(\.name), ["scheduling"])

        let echo = TestHost()
        XCTAssertEqual(echo.initialize(try TestHost.entry(path: Self.compile("echo"))), TH_OK)
        XCTAssertEqual(echo.toolsets.map(\.name), ["echo", "echo2"])
        XCTAssertEqual(echo.toolset("echo")?.tools.map(\.name), ["echo", "ping_tool"])
        XCTAssertEqual(echo.toolset("echo2")?.tools.map(\.name), ["echo"])
        XCTAssertEqual(echo.call("echo", "echo", ["text": "hi \"there\""], database: nil).structured, ["text": "hi \"there\""])
        XCTAssertEqual(echo.call("echo2", "echo", ["text": "hi"], database: nil).structured, ["text": "echo2: hi"])
        XCTAssertEqual(echo.call("echo", "ping_tool", [:], database: nil).text, "pong")
        XCTAssertEqual(echo.takeEvents().map(\.kind), ["echo.called", "echo.called", "echo.called"])
        XCTAssertEqual(echo.migrations.count, 1)
    }
}
