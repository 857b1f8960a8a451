import Foundation

/// `toolhost user create --tenant T --email E [--role owner|member]`: an operator account that
/// signs in on the OAuth consent screen. The password is read from stdin (one line), never argv.
enum UserCommands {
    static let createSpec = CommandSpec(
        "user create",
        summary: "Create an operator account that signs in on the OAuth consent screen; its password is read from stdin (one line), never from arguments.",
        options: [
            .valued("tenant", "T", "the tenant it belongs to", required: true),
            .valued("email", "E", "the address it signs in with", required: true),
            .valued("role", "owner|member", "what it may grant (default member)"),
        ],
        note: "(password on stdin, one line)")
    static let forms = [createSpec]

    static func run(_ words: ArraySlice<String>) throws -> Int32 {
        var words = words
        guard let action = words.popFirst() else { throw Arguments.UsageError("user needs an action: \(CommandSpec.actions(forms))") }
        guard action == "create" else { throw Arguments.UsageError("unknown user action \"\(action)\" (\(CommandSpec.actions(forms)))") }
        let arguments = try Arguments(words, for: createSpec)
        guard arguments.positionals.isEmpty else { throw Arguments.UsageError("unexpected argument \"\(arguments.positionals[0])\"") }
        let tenant = try arguments.required("tenant")
        let email = try arguments.required("email").trimmingCharacters(in: .whitespaces)
        let role = arguments.value("role") ?? "member"
        guard ["owner", "member"].contains(role) else { throw Arguments.UsageError("--role must be owner or member, not \"\(role)\"") }
        guard email.utf8.count <= 254, email.contains("@"), !email.hasPrefix("@"), !email.hasSuffix("@"), !email.contains(" ") else {
            throw Arguments.UsageError("--email must be an email address, not \"\(email)\"")
        }
        if isatty(0) == 1 { printError("Password for \(email) (one line):") }
        guard let line = readLine(strippingNewline: true) else { throw CommandError("no password on stdin (pipe one line: echo \"$PASSWORD\" | toolhost user create …)") }
        let password = line.hasSuffix("\r") ? String(line.dropLast()) : line
        guard password.count >= 8 else { throw CommandError("the password must be at least 8 characters") }
        let runtime = try makeRuntime(arguments)
        let hash = Crypto.hashPassword(password)
        let id = try runtime.withStore { store -> String in
            guard try store.tenant(named: tenant) != nil else { throw CommandError("no tenant named \"\(tenant)\"") }
            guard try store.user(tenant: tenant, email: email) == nil else { throw CommandError("tenant \(tenant) already has a user \(email.lowercased())") }
            return try store.createUser(tenant: tenant, email: email, role: role, passwordHash: hash)
        }
        print(id)
        printError("Created \(role) \(email.lowercased()) (\(id)) for tenant \(tenant); they can sign in on the OAuth consent screen.")
        return 0
    }
}
