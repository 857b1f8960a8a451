/// A compiled LIKE pattern: % matches any run of characters, _ exactly one; everything else
/// matches itself, case-sensitively. Matching runs over UTF-8 bytes (no per-row allocation);
/// `_` skips one whole character's bytes so non-ASCII text counts as one character each.
struct LikePattern: Sendable {
    private enum Piece: Sendable, Equatable {
        case byte(UInt8)
        case anyOne
        case anyRun
    }

    /// The shapes worth a shortcut: most patterns agents write are one of these.
    private enum Shape: Sendable {
        case exact(String), prefix(String), suffix(String), infix(String), general
    }

    private let pieces: [Piece]
    private let shape: Shape

    init(_ pattern: String) {
        var pieces: [Piece] = []
        for byte in pattern.utf8 {
            switch byte {
            case UInt8(ascii: "%"): if pieces.last != .anyRun { pieces.append(.anyRun) }
            case UInt8(ascii: "_"): pieces.append(.anyOne)
            default: pieces.append(.byte(byte))
            }
        }
        self.pieces = pieces
        self.shape = LikePattern.shape(of: pattern)
    }

    private static func shape(of pattern: String) -> Shape {
        if pattern.contains("_") { return .general }
        let percents = pattern.utf8.filter { $0 == UInt8(ascii: "%") }.count
        let core = pattern.replacingPercents()
        switch percents {
        case 0: return .exact(pattern)
        case 1 where pattern.hasSuffix("%"): return .prefix(core)
        case 1 where pattern.hasPrefix("%"): return .suffix(core)
        case 2 where pattern.hasPrefix("%") && pattern.hasSuffix("%") && pattern.count > 1: return .infix(core)
        default: return .general
        }
    }

    func matches(_ text: String) -> Bool {
        switch shape {
        case .exact(let s): return text.utf8.elementsEqual(s.utf8)
        case .prefix(let s): return text.utf8.starts(with: s.utf8)
        case .suffix(let s): return text.utf8.reversed().starts(with: s.utf8.reversed())
        case .infix(let s): return s.isEmpty || LikePattern.containsBytes(text, s)
        case .general: break
        }
        var text = text
        return text.withUTF8 { bytes in matchGeneral(bytes) }
    }

    static func containsBytes(_ text: String, _ needle: String) -> Bool {
        var text = text, needle = needle
        return text.withUTF8 { hay in
            needle.withUTF8 { pin in
                guard pin.count <= hay.count else { return false }
                if pin.isEmpty { return true }
                let first = pin[0]
                var i = 0
                while i <= hay.count - pin.count {
                    if hay[i] == first {
                        var j = 1
                        while j < pin.count, hay[i + j] == pin[j] { j += 1 }
                        if j == pin.count { return true }
                    }
                    i += 1
                }
                return false
            }
        }
    }

    /// Classic wildcard matching with one backtrack point: linear for typical patterns,
    /// never recursive.
    private func matchGeneral(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        var p = 0, i = 0
        var runPiece = -1, runStart = 0
        while i < s.count {
            if p < pieces.count {
                switch pieces[p] {
                case .anyOne:
                    i += LikePattern.characterLength(s, at: i)
                    p += 1
                    continue
                case .byte(let b) where s[i] == b:
                    i += 1
                    p += 1
                    continue
                case .anyRun:
                    runPiece = p
                    runStart = i
                    p += 1
                    continue
                default:
                    break
                }
            }
            guard runPiece >= 0 else { return false }
            runStart += LikePattern.characterLength(s, at: runStart)
            i = runStart
            p = runPiece + 1
        }
        while p < pieces.count, pieces[p] == .anyRun { p += 1 }
        return p == pieces.count
    }

    /// Bytes in the UTF-8 sequence starting at `i` (1 for ASCII or a stray continuation byte).
    private static func characterLength(_ s: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        var j = i + 1
        while j < s.count, s[j] & 0xC0 == 0x80 { j += 1 }
        return j - i
    }
}

private extension String {
    func replacingPercents() -> String { String(unicodeScalars.filter { $0 != "%" }.map(Character.init)) }
}
