// One total order over values, used by sort, min and max: NULL < booleans < numbers < text.
// Integers and decimals compare numerically; text compares by UTF-8 bytes (fast and locale-free).

extension Value {
    private var rank: Int {
        switch self {
        case .null: 0
        case .bool: 1
        case .int, .double: 2
        case .text: 3
        }
    }

    /// -1, 0 or 1.
    public static func compare(_ a: Value, _ b: Value) -> Int {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.text(let x), .text(let y)): return compareUTF8(x, y)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (x ? 1 : -1)
        case (.null, .null): return 0
        default:
            if let x = a.number, let y = b.number { return x < y ? -1 : (x == y ? 0 : 1) }
            return a.rank < b.rank ? -1 : (a.rank == b.rank ? 0 : 1)
        }
    }

    private static func compareUTF8(_ x: String, _ y: String) -> Int {
        var x = x, y = y
        return x.withUTF8 { a in
            y.withUTF8 { b in
                let n = min(a.count, b.count)
                for i in 0..<n where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
                return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
            }
        }
    }
}
