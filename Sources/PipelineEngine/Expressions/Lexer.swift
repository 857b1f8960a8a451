/// Splits expression source into tokens. Works on Unicode scalars so positions in error messages
/// match what a person counts, and string literals keep any non-ASCII text intact.
struct Lexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0

    init(_ source: String) {
        scalars = Array(source.unicodeScalars)
    }

    static func tokenize(_ source: String) throws(ExpressionError) -> [Token] {
        var lexer = Lexer(source)
        var tokens: [Token] = []
        while true {
            let token = try lexer.nextToken()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private mutating func nextToken() throws(ExpressionError) -> Token {
        skipWhitespace()
        let start = index
        guard index < scalars.count else { return Token(kind: .end, offset: start) }
        let c = scalars[index]
        if c.isDigit || (c == "." && peek(1)?.isDigit == true) { return try number(start) }
        if c.isIdentifierStart { return word(start) }
        switch c {
        case "'": return Token(kind: .string(try quoted(by: "'", start: start, what: "string")), offset: start)
        case "\"":
            let name = try quoted(by: "\"", start: start, what: "quoted field name")
            if name.isEmpty { throw ExpressionError("empty quoted field name", offset: start) }
            return Token(kind: .quotedIdentifier(name), offset: start)
        case "$": return try variable(start)
        default: return try symbol(start)
        }
    }

    private func peek(_ ahead: Int) -> Unicode.Scalar? {
        index + ahead < scalars.count ? scalars[index + ahead] : nil
    }

    private mutating func skipWhitespace() {
        while index < scalars.count, scalars[index].properties.isWhitespace { index += 1 }
    }

    private mutating func number(_ start: Int) throws(ExpressionError) -> Token {
        var isDecimal = false
        while index < scalars.count, scalars[index].isDigit { index += 1 }
        if index < scalars.count, scalars[index] == "." {
            isDecimal = true
            index += 1
            while index < scalars.count, scalars[index].isDigit { index += 1 }
        }
        if index < scalars.count, scalars[index] == "e" || scalars[index] == "E" {
            var probe = index + 1
            if probe < scalars.count, scalars[probe] == "+" || scalars[probe] == "-" { probe += 1 }
            if probe < scalars.count, scalars[probe].isDigit {
                isDecimal = true
                index = probe
                while index < scalars.count, scalars[index].isDigit { index += 1 }
            }
        }
        let text = String(String.UnicodeScalarView(scalars[start..<index]))
        if index < scalars.count, scalars[index].isIdentifierStart {
            throw ExpressionError("a number cannot run into a name: '\(text)\(scalars[index])'", offset: start)
        }
        if isDecimal {
            guard let d = Double(text), d.isFinite else { throw ExpressionError("number \(text) is out of range", offset: start) }
            return Token(kind: .decimal(d), offset: start)
        }
        guard let i = Int64(text) else {
            throw ExpressionError("integer \(text) is too large (the largest is \(Int64.max)); write it as a decimal if you meant a number", offset: start)
        }
        return Token(kind: .integer(i), offset: start)
    }

    private mutating func word(_ start: Int) -> Token {
        while index < scalars.count, scalars[index].isIdentifierPart { index += 1 }
        let text = String(String.UnicodeScalarView(scalars[start..<index]))
        if let keyword = Keyword(rawValue: text.uppercased()) { return Token(kind: .keyword(keyword), offset: start) }
        return Token(kind: .identifier(text), offset: start)
    }

    private mutating func variable(_ start: Int) throws(ExpressionError) -> Token {
        index += 1
        let nameStart = index
        while index < scalars.count, scalars[index].isIdentifierPart { index += 1 }
        guard index > nameStart else { throw ExpressionError("'$' must be followed by a variable name", offset: start) }
        return Token(kind: .variable(String(String.UnicodeScalarView(scalars[nameStart..<index]))), offset: start)
    }

    /// Reads a literal closed by `quote`, where a doubled quote stands for one (SQL's rule).
    private mutating func quoted(by quote: Unicode.Scalar, start: Int, what: String) throws(ExpressionError) -> String {
        index += 1
        var text = String.UnicodeScalarView()
        while index < scalars.count {
            let c = scalars[index]
            index += 1
            if c == quote {
                if index < scalars.count, scalars[index] == quote {
                    text.append(quote)
                    index += 1
                } else {
                    return String(text)
                }
            } else {
                text.append(c)
            }
        }
        throw ExpressionError("\(what) is not closed: missing \(quote)", offset: start)
    }

    private mutating func symbol(_ start: Int) throws(ExpressionError) -> Token {
        let two = peek(1).map { String(scalars[index]) + String($0) }
        if let two, let symbol = Symbol(rawValue: two) {
            index += 2
            return Token(kind: .symbol(symbol), offset: start)
        }
        if let symbol = Symbol(rawValue: String(scalars[index])) {
            index += 1
            return Token(kind: .symbol(symbol), offset: start)
        }
        throw ExpressionError("unexpected character '\(scalars[index])'", offset: start)
    }
}

private extension Unicode.Scalar {
    var isDigit: Bool { ("0"..."9").contains(self) }
    var isIdentifierStart: Bool { properties.isAlphabetic || self == "_" }
    var isIdentifierPart: Bool { isIdentifierStart || isDigit }
}
