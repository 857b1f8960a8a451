/// union_component: each input in turn, columns reordered (and converted) to the union's schema.
final class UnionStream: RowStream {
    let inputs: [RowStream]
    let schema: RowSchema
    /// Per input: for each output column, the input column that feeds it.
    private let mappings: [[Int]]
    private var current = 0

    init(_ inputs: [RowStream], schema: RowSchema) {
        self.inputs = inputs
        self.schema = schema
        mappings = inputs.map { input in schema.fields.map { input.schema.index(of: $0.name)! } }
    }

    /// Output schema: the first input's field order; a field whose types differ becomes number
    /// (integer with number) or string (anything else).
    static func unify(_ schemas: [RowSchema]) -> Result<RowSchema, EngineError> {
        guard let first = schemas.first else { return .failure(EngineError("a union needs at least one input")) }
        var fields = first.fields
        for schema in schemas.dropFirst() {
            guard Set(schema.names) == Set(first.names) else {
                let missing = Set(first.names).symmetricDifference(schema.names).sorted().joined(separator: ", ")
                return .failure(EngineError("union inputs must have the same field names; differing: \(missing)"))
            }
            for index in fields.indices {
                fields[index].type = fields[index].type.widened(with: schema.fields[schema.index(of: fields[index].name)!].type)
            }
        }
        return .success(RowSchema(fields))
    }

    func next() throws -> DataRow? {
        while current < inputs.count {
            if let row = try inputs[current].next() {
                let mapping = mappings[current]
                var out = DataRow()
                out.reserveCapacity(mapping.count)
                for (column, source) in mapping.enumerated() {
                    let value = row[source]
                    out.append(schema.fields[column].type.convert(value) ?? value)
                }
                return out
            }
            inputs[current].close()
            current += 1
        }
        return nil
    }

    func close() { inputs.forEach { $0.close() } }
}
