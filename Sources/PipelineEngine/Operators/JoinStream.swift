/// join_component: a hash join. The right input is read into a hash table first (bounded by
/// `maxRightRows`), then left rows stream through. NULL keys never match (SQL semantics).
final class JoinStream: RowStream {
    let left: RowStream
    let right: RowStream
    let leftKeys: [Int]
    let rightKeys: [Int]
    /// Right columns that appear in the output (all but the right keys), in order.
    let rightOutput: [Int]
    let keepUnmatched: Bool
    let maxRightRows: Int
    let schema: RowSchema
    private var table: [[Value]: [DataRow]]?
    private var pending: [DataRow] = []

    init(left: RowStream, right: RowStream, leftKeys: [Int], rightKeys: [Int], rightOutput: [Int], keepUnmatched: Bool,
         schema: RowSchema, maxRightRows: Int) {
        self.left = left
        self.right = right
        self.leftKeys = leftKeys
        self.rightKeys = rightKeys
        self.rightOutput = rightOutput
        self.keepUnmatched = keepUnmatched
        self.schema = schema
        self.maxRightRows = maxRightRows
    }

    func next() throws -> DataRow? {
        if table == nil { table = try buildTable() }
        if let row = pending.popLast() { return row }
        while let row = try left.next() {
            let key = JoinStream.normalized(leftKeys.map { row[$0] })
            if let key, let matches = table![key] {
                // Reversed so popLast yields matches in right-input order.
                pending = matches.reversed().map { match in row + rightOutput.map { match[$0] } }
                return pending.popLast()
            }
            if keepUnmatched { return row + Array(repeating: .null, count: rightOutput.count) }
        }
        return nil
    }

    func close() {
        left.close()
        right.close()
    }

    private func buildTable() throws -> [[Value]: [DataRow]] {
        var table: [[Value]: [DataRow]] = [:]
        var rows = 0
        while let row = try right.next() {
            rows += 1
            guard rows <= maxRightRows else {
                throw EngineError("the right input has more than \(maxRightRows) rows; a join holds its right input in memory — put the smaller input on the right")
            }
            guard let key = JoinStream.normalized(rightKeys.map { row[$0] }) else { continue }
            table[key, default: []].append(row)
        }
        right.close()
        return table
    }

    /// nil when any key is NULL; integral doubles become ints so 3 joins 3.0.
    static func normalized(_ key: [Value]) -> [Value]? {
        var out = key
        for index in out.indices {
            switch out[index] {
            case .null: return nil
            case .double(let d) where d == d.rounded() && abs(d) < 9e18: out[index] = .int(Int64(d))
            default: break
            }
        }
        return out
    }
}
