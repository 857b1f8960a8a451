/// select_component: one output field per expression.
final class SelectStream: RowStream {
    let input: RowStream
    let expressions: [BoundExpression]
    let schema: RowSchema

    init(_ input: RowStream, fields: [(name: String, expression: BoundExpression)]) {
        self.input = input
        expressions = fields.map(\.expression)
        schema = SelectStream.outputSchema(fields)
    }

    static func outputSchema(_ fields: [(name: String, expression: BoundExpression)]) -> RowSchema {
        RowSchema(fields.map { Field($0.name, $0.expression.resultType ?? .string) })
    }

    func next() throws -> DataRow? {
        guard let row = try input.next() else { return nil }
        var out = DataRow()
        out.reserveCapacity(expressions.count)
        for expression in expressions { out.append(try expression.evaluate(row)) }
        return out
    }

    func close() { input.close() }
}
