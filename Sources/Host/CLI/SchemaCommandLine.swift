import JSON
import JSONSchema

/// The command line of a console-ready operator command, derived from its input schema (header
/// section 7a): each property P is `--P VALUE` typed by P's "type", and the properties the schema
/// lists in "x-positional" take the words that are not options, in order. The same schema a console
/// turns into a form thus gives the CLI its options and help, and both produce the same object.
struct SchemaCommandLine {
    /// One property as the command line sees it.
    struct Property {
        let name: String
        /// The JSON type a word is converted to ("string", "integer", "number", "boolean", "array"), nil = untyped.
        let type: String?
        /// For an array: the type of its items.
        let itemType: String?
        let description: String?
        let choices: [String]
        let isRequired: Bool
        let isPositional: Bool
        /// "x-secret": true — a password or key: read from stdin with --NAME-stdin, never taken
        /// from the command line, where other users of the machine could see it (ps, shell history).
        let isSecret: Bool

        var isFlag: Bool { type == "boolean" }
        /// How help and errors name it: "ID" for a positional, "--limit" for an option.
        var label: String { isPositional ? name.uppercased() : "--\(name)" }

        var placeholder: String {
            if !choices.isEmpty { return choices.joined(separator: "|") }
            switch type {
            case "integer": return "N"
            case "number": return "NUMBER"
            case "array": return "A,B…"
            default: return name.uppercased()
            }
        }
    }

    let properties: [Property]
    /// Whether options the schema does not list may be given (additionalProperties not false).
    /// They are passed as strings, or JSON when they parse.
    let allowsOthers: Bool

    init(schema: JSONValue?) {
        guard let schema else {
            properties = []
            allowsOthers = false
            return
        }
        let required = Set((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        let positional = Self.positionalNames(schema)
        var list: [Property] = []
        for (name, property) in schema["properties"]?.objectValue?.members ?? [] {
            let type = Self.mainType(property)
            list.append(Property(
                name: name, type: type, itemType: type == "array" ? property["items"].flatMap(Self.mainType) : nil,
                description: property["description"]?.stringValue,
                choices: (property["enum"]?.arrayValue ?? property["items"]?["enum"]?.arrayValue ?? []).compactMap(\.stringValue),
                isRequired: required.contains(name), isPositional: positional.contains(name),
                isSecret: property["x-secret"]?.boolValue == true))
        }
        // Positionals in their x-positional order, then the options in the schema's order.
        properties = positional.compactMap { name in list.first { $0.name == name } } + list.filter { !$0.isPositional }
        allowsOthers = schema["additionalProperties"]?.boolValue != false
    }

    /// Why a schema cannot make a command line (nil when it can): no property may be named like a
    /// host option, and "x-positional" must name properties, none of them a boolean flag, and only
    /// the last may be an array.
    static func problem(in schema: JSONValue) -> String? {
        // The host reads these options itself, so a property of that name could never be given.
        let reserved = Set(PluginCommandLine.hostOptions.map(\.name) + ["help"])
        if let clash = schema["properties"]?.objectValue?.keys.first(where: reserved.contains) {
            return "property \"\(clash)\" collides with the host's own --\(clash) option"
        }
        guard let given = schema["x-positional"] else { return nil }
        guard let names = given.arrayValue?.compactMap(\.stringValue), names.count == given.arrayValue?.count else {
            return "\"x-positional\" must be an array of property names"
        }
        let declared = schema["properties"]?.objectValue
        for (index, name) in names.enumerated() {
            guard let property = declared?[name] else { return "\"x-positional\" names \"\(name)\", which is not a property" }
            if mainType(property) == "boolean" { return "\"x-positional\" names \"\(name)\", a boolean (a flag cannot be positional)" }
            if property["x-secret"]?.boolValue == true { return "\"x-positional\" names \"\(name)\", a secret (the audit trail records positional values)" }
            if mainType(property) == "array" && index != names.count - 1 { return "\"x-positional\": only the last may be an array" }
        }
        return nil
    }

    /// The words after the command name, as the arguments object. Throws a usage error naming the
    /// option for an unknown option, a value of the wrong type or a surplus word.
    func parse(_ words: ArraySlice<String>) throws(Arguments.UsageError) -> JSONObject {
        var object = JSONObject()
        var remaining = words
        var operands: [String] = []
        var onlyOperands = false
        while let word = remaining.popFirst() {
            if onlyOperands { operands.append(word); continue }
            if word == "--" { onlyOperands = true; continue }
            guard let (name, inline) = Arguments.option(word) else { operands.append(word); continue }
            if let secret = properties.first(where: { $0.isSecret && name == "\($0.name)-stdin" }) {
                object[secret.name] = .string(try readSecret(secret, inline))
                continue
            }
            if let secret = properties.first(where: { $0.isSecret && $0.name == name }) {
                throw Arguments.UsageError("--\(secret.name) is not taken on the command line, where other users could see it; "
                    + "pipe it instead: … --\(secret.name)-stdin")
            }
            guard let property = properties.first(where: { $0.name == name && !$0.isPositional }) else {
                guard allowsOthers, !properties.contains(where: { $0.name == name }) else { throw unknownOption(name) }
                guard let value = inline ?? remaining.popFirst() else { throw Arguments.UsageError("--\(name) needs a value") }
                object[name] = (try? JSONParser.parse(value)) ?? .string(value)
                continue
            }
            if property.isFlag {
                object[name] = try flagValue(property, inline)
                continue
            }
            guard let value = inline ?? remaining.popFirst() else { throw Arguments.UsageError("--\(name) needs a value") }
            object[name] = try merge(object[name], with: try convert(value, for: property), for: property)
        }
        try assign(operands, into: &object)
        return object
    }

    /// The schema validator's complaint in the command line's words: `--limit: must be integer…`.
    func describe(_ failure: ValidationFailure) -> String {
        let head = failure.path.split(separator: "/", maxSplits: 1).first.map(String.init)
        if head == nil, failure.message.hasPrefix("missing required property "),
           let name = failure.message.split(separator: "\"").dropFirst().first {
            return "\(label(String(name))) is required"
        }
        guard let head else { return failure.message }
        let rest = failure.path.dropFirst(head.count + 1)
        return "\(label(head))\(rest): \(failure.message)"
    }

    /// One line from stdin (without its newline) for a secret; an empty one is refused.
    private func readSecret(_ property: Property, _ inline: String?) throws(Arguments.UsageError) -> String {
        guard inline == nil else { throw Arguments.UsageError("--\(property.name)-stdin takes no value: the \(property.name) is read from stdin") }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw Arguments.UsageError("no \(property.name) on stdin (pipe one line: printf '%s\\n' \"$SECRET\" | toolhost … --\(property.name)-stdin)")
        }
        return line
    }

    /// Options for usage and help texts; the operands are `operands`.
    var optionSpecs: [OptionSpec] {
        properties.filter { !$0.isPositional }.map { property in
            if property.isSecret {
                return .flag("\(property.name)-stdin", "read the \(property.name) from stdin (one line)" + (property.isRequired ? " (required)" : ""))
            }
            var summary = property.description ?? ""
            if property.type == "array" { summary += (summary.isEmpty ? "" : " ") + "(repeat or separate with commas)" }
            return property.isFlag ? .flag(property.name, summary)
                : .valued(property.name, property.placeholder, summary, required: property.isRequired)
        }
    }

    /// "ID" or "[ID]", in order, for the usage line.
    var operands: String {
        properties.filter(\.isPositional).map { property in
            let word = property.label + (property.type == "array" ? "…" : "")
            return property.isRequired ? word : "[\(word)]"
        }.joined(separator: " ")
    }

    // MARK: parts

    private func label(_ name: String) -> String { properties.first { $0.name == name }?.label ?? "--\(name)" }

    private func unknownOption(_ name: String) -> Arguments.UsageError {
        let known = properties.filter { !$0.isPositional }.map { "--\($0.name)" }
        return Arguments.UsageError("unknown option --\(name) (known: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
    }

    private func flagValue(_ property: Property, _ inline: String?) throws(Arguments.UsageError) -> JSONValue {
        switch inline {
        case nil, "true": return .bool(true)
        case "false": return .bool(false)
        default: throw Arguments.UsageError("--\(property.name) is a flag: give it alone, or as --\(property.name)=true|false")
        }
    }

    /// Fills the positional properties in order; the last takes every remaining word if it is an array.
    private func assign(_ operands: [String], into object: inout JSONObject) throws(Arguments.UsageError) {
        let positional = properties.filter(\.isPositional)
        var words = operands[...]
        for property in positional {
            guard let word = words.first else { break }
            if property.type == "array" {
                var items: [JSONValue] = []
                for word in words { items.append(try convertItem(word, type: property.itemType, label: property.label)) }
                object[property.name] = .array(items)
                words = []
                break
            }
            object[property.name] = try convert(word, for: property)
            words.removeFirst()
        }
        if let surplus = words.first {
            let expected = positional.isEmpty ? "takes no operands" : "takes \(operandLabels(positional))"
            throw Arguments.UsageError("unexpected word \"\(surplus)\": this command \(expected)")
        }
    }

    private func operandLabels(_ positional: [Property]) -> String { positional.map(\.label).joined(separator: " ") }

    /// A repeated array option appends; any other repetition is refused, so a typo never silently wins.
    private func merge(_ existing: JSONValue?, with value: JSONValue, for property: Property) throws(Arguments.UsageError) -> JSONValue {
        guard let existing else { return value }
        guard case .array(let old) = existing, case .array(let new) = value else {
            throw Arguments.UsageError("\(property.label) given twice")
        }
        return .array(old + new)
    }

    private func convert(_ word: String, for property: Property) throws(Arguments.UsageError) -> JSONValue {
        guard property.type == "array" else { return try convertItem(word, type: property.type, label: property.label) }
        var items: [JSONValue] = []
        for part in word.split(separator: ",", omittingEmptySubsequences: false) {
            items.append(try convertItem(String(part), type: property.itemType, label: property.label))
        }
        return .array(items)
    }

    private func convertItem(_ word: String, type: String?, label: String) throws(Arguments.UsageError) -> JSONValue {
        switch type {
        case "string": return .string(word)
        case "integer":
            guard let number = Int64(word) else { throw Arguments.UsageError("\(label) takes an integer, not \"\(word)\"") }
            return .int(number)
        case "number":
            if let number = Int64(word) { return .int(number) }
            guard let number = Double(word), number.isFinite else { throw Arguments.UsageError("\(label) takes a number, not \"\(word)\"") }
            return .double(number)
        case "boolean":
            guard let flag = Bool(word) else { throw Arguments.UsageError("\(label) takes true or false, not \"\(word)\"") }
            return .bool(flag)
        default:
            // Untyped (or object): JSON when it parses, so {"a":1} and 3 work; otherwise the word.
            return (try? JSONParser.parse(word)) ?? .string(word)
        }
    }

    private static func positionalNames(_ schema: JSONValue) -> [String] {
        (schema["x-positional"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// "integer" for "integer" and for ["integer", "null"]; nil when the schema states no single type.
    private static func mainType(_ property: JSONValue) -> String? {
        if let type = property["type"]?.stringValue { return type }
        let types = (property["type"]?.arrayValue ?? []).compactMap(\.stringValue).filter { $0 != "null" }
        return types.count == 1 ? types[0] : nil
    }
}
