import XCTest
import PluginABI
@testable import Host

/// The CLI's command table and option declarations: one source for dispatch, help and reserved names.
final class CommandTableTests: XCTestCase {
    func testEveryWordTheDispatchAnswersToIsReserved() {
        for command in BuiltInCommands.all {
            for word in [command.name] + command.aliases {
                XCTAssertTrue(BuiltInCommands.reservedNames.contains(word), word)
                XCTAssertEqual(BuiltInCommands.named(word)?.name, command.name, word)
            }
        }
        // The two the old hand-kept list lacked.
        XCTAssertTrue(BuiltInCommands.reservedNames.isSuperset(of: ["user", "connections"]))
    }

    func testAPluginMayNotRegisterAGroupNamedLikeABuiltInCommand() {
        for word in BuiltInCommands.reservedNames where PluginLoader.isValidName(word) {
            XCTAssertEqual(register(group: word), "operator command group \"\(word)\" collides with the built-in toolhost command of that name")
        }
        XCTAssertNil(register(group: "widgets"))
    }

    func testEveryFormBelongsToItsCommand() {
        for command in BuiltInCommands.all {
            for form in command.forms {
                XCTAssertEqual(form.words.split(separator: " ").first.map(String.init), command.name, form.words)
            }
        }
    }

    private func register(group: String) -> String? {
        let plugin = LoadedPlugin(name: "fixture", version: "1", description: "", file: "fixture.so", abiMinor: 1)
        let run: th_operator_fn = { _, _, _, _, _ in TH_OK }
        let release: th_release_fn = { _, _ in }
        return group.withCString { group in
            "hello".withCString { name in
                plugin.registerOperatorCommand(group: group, name: name, summary: nil, run: run, release: release, data: nil)
            }
        }
    }
}

final class OptionDeclarationTests: XCTestCase {
    private let audit = AuditCommand.spec

    func testHelpAnywhereThrowsTheHelpOfTheCommandListingEveryOption() {
        for words: [String] in [["--help"], ["-h"], ["--tenant", "acme", "--help"], ["--help", "--bogus-later"]] {
            XCTAssertThrowsError(try Arguments(words[...], for: audit), "\(words)") { error in
                guard let help = error as? HelpRequested else { return XCTFail("\(error)") }
                XCTAssertTrue(help.text.hasPrefix("Usage: toolhost audit --tenant T"), help.text)
                for option in audit.acceptedOptions { XCTAssertTrue(help.text.contains("\n  " + option.label), option.name) }
            }
        }
    }

    func testAValueThatLooksLikeHelpStaysAValue() throws {
        XCTAssertEqual(try Arguments(["--tenant", "-h"], for: audit).value("tenant"), "-h")
    }

    func testAMissingRequiredOptionKeepsItsMessage() {
        XCTAssertThrowsError(try Arguments(["--json"], for: audit)) { error in
            XCTAssertEqual((error as? Arguments.UsageError)?.description, "--tenant is required")
        }
    }

    func testAnUnknownOptionNamesTheKnownOnes() {
        XCTAssertThrowsError(try Arguments(["--bogus"], for: PluginsCommand.listSpec)) { error in
            XCTAssertEqual((error as? Arguments.UsageError)?.description,
                           "unknown option --bogus (known: --data VALUE, --json, --plugins VALUE)")
        }
    }

    /// The operand errors quote the synopsis; these are the texts they always had.
    func testSynopsesKeepTheUsageTextsOfTheErrors() {
        XCTAssertEqual(TenantCommands.createSpec.synopsis, "toolhost tenant create NAME [--plan P]")
        XCTAssertEqual(TenantCommands.showSpec.synopsis, "toolhost tenant show NAME [--json]")
        XCTAssertEqual(TenantCommands.setPlanSpec.synopsis, "toolhost tenant set-plan NAME PLAN [--trial-until YYYY-MM-DD]")
        XCTAssertEqual(TenantCommands.enableSpec.synopsis, "toolhost tenant enable NAME TOOLSET…")
        XCTAssertEqual(TokenCommands.revokeSpec.synopsis, "toolhost token revoke ID")
        XCTAssertEqual(TokenCommands.rotateSpec.synopsis, "toolhost token rotate ID")
        XCTAssertEqual(ConnectionsCommand.revokeSpec.synopsis, "toolhost connections revoke ID")
    }

    func testLongSynopsesWrapUnderTheFirstOption() {
        let lines = TokenCommands.createSpec.wrappedSynopsis(width: 60).split(separator: "\n")
        XCTAssertGreaterThan(lines.count, 1)
        let indent = String(repeating: " ", count: "toolhost token create ".count)
        for line in lines.dropFirst() {
            XCTAssertTrue(line.hasPrefix(indent + "--") || line.hasPrefix(indent + "[--"), String(line))
        }
    }
}
