/// `toolhost version`: arguments are ignored (as they always were), except a request for help.
enum VersionCommand {
    static let spec = CommandSpec("version", summary: "Print the version of toolhost.", sharedOptions: [])

    static func run(_ words: ArraySlice<String>) throws -> Int32 {
        if words.contains(where: HelpFlag.matches) { throw HelpRequested(text: spec.help) }
        print("toolhost \(ServerIdentity.version)")
        return 0
    }
}
