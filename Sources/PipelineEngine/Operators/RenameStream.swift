/// rename_component: renames and casts listed fields; the rest pass through.
final class RenameStream: RowStream {
    let input: RowStream
    let schema: RowSchema
    /// Per column: the type to cast to, or nil to keep the value.
    private let casts: [FieldType?]

    init(_ input: RowStream, schema: RowSchema, casts: [FieldType?]) {
        self.input = input
        self.schema = schema
        self.casts = casts
    }

    func next() throws -> DataRow? {
        guard var row = try input.next() else { return nil }
        for (index, cast) in casts.enumerated() {
            guard let cast else { continue }
            guard let converted = cast.convert(row[index]) else {
                let shown = String((row[index].text ?? "").prefix(60))
                throw EngineError("cannot cast \(schema.fields[index].name) value \"\(shown)\" to \(cast.rawValue)")
            }
            row[index] = converted
        }
        return row
    }

    func close() { input.close() }
}
