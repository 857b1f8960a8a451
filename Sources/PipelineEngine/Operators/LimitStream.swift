/// limit_component: skips `offset` rows, then passes at most `count` and stops pulling its input.
final class LimitStream: RowStream {
    let input: RowStream
    private var toSkip: Int64
    private var remaining: Int64

    init(_ input: RowStream, count: Int64, offset: Int64) {
        self.input = input
        remaining = count
        toSkip = offset
    }

    var schema: RowSchema { input.schema }

    func next() throws -> DataRow? {
        while toSkip > 0 {
            guard try input.next() != nil else { return nil }
            toSkip -= 1
        }
        guard remaining > 0, let row = try input.next() else { return nil }
        remaining -= 1
        return row
    }

    func close() { input.close() }
}
