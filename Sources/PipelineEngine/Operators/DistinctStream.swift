/// distinct_component: the first row of each distinct key. The seen keys are held in memory,
/// bounded by `maxKeys` (a clear error beyond it instead of exhausting the machine).
final class DistinctStream: RowStream {
    let input: RowStream
    let keyColumns: [Int]?
    let maxKeys: Int
    private var seen = Set<[Value]>()

    init(_ input: RowStream, keyColumns: [Int]?, maxKeys: Int) {
        self.input = input
        self.keyColumns = keyColumns
        self.maxKeys = maxKeys
    }

    var schema: RowSchema { input.schema }

    func next() throws -> DataRow? {
        while let row = try input.next() {
            let key = keyColumns.map { $0.map { row[$0] } } ?? row
            if seen.insert(key).inserted {
                if seen.count > maxKeys { throw EngineError("more than \(maxKeys) distinct rows; distinct holds them in memory — narrow the fields or filter first") }
                return row
            }
        }
        return nil
    }

    func close() { input.close() }
}
