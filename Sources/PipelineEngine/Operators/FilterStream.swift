/// filter_component: keeps rows whose condition is true.
final class FilterStream: RowStream {
    let input: RowStream
    let condition: BoundExpression

    init(_ input: RowStream, condition: BoundExpression) {
        self.input = input
        self.condition = condition
    }

    var schema: RowSchema { input.schema }

    func next() throws -> DataRow? {
        while let row = try input.next() {
            if try condition.isTrue(row) { return row }
        }
        return nil
    }

    func close() { input.close() }
}
