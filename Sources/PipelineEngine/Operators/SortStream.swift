/// sort_component. Up to `rowsInMemory` rows are sorted in memory; beyond that each sorted batch
/// is spilled to a temporary file and the batches are merged, so memory stays bounded whatever
/// the input size. The sort is stable (ties keep input order).
final class SortStream: RowStream {
    struct Key {
        let column: Int
        let descending: Bool
    }

    let input: RowStream
    let keys: [Key]
    let rowsInMemory: Int
    let spillDirectory: String
    private var output: (() throws -> DataRow?)?

    init(_ input: RowStream, keys: [Key], rowsInMemory: Int, spillDirectory: String) {
        self.input = input
        self.keys = keys
        self.rowsInMemory = rowsInMemory
        self.spillDirectory = spillDirectory
    }

    var schema: RowSchema { input.schema }

    func next() throws -> DataRow? {
        if output == nil { output = try prepare() }
        return try output!()
    }

    func close() { input.close() }

    private func ordered(_ a: DataRow, _ b: DataRow) -> Bool {
        for key in keys {
            let c = Value.compare(a[key.column], b[key.column])
            if c != 0 { return key.descending ? c > 0 : c < 0 }
        }
        return false
    }

    /// Reads the whole input; returns a function yielding rows in order.
    private func prepare() throws -> () throws -> DataRow? {
        var batch: [DataRow] = []
        var spills: [SpillFile] = []
        while let row = try input.next() {
            batch.append(row)
            if batch.count >= rowsInMemory {
                spills.append(try spill(&batch))
            }
        }
        input.close()
        let sortedBatch = stableSorted(batch)
        if spills.isEmpty {
            var iterator = sortedBatch.makeIterator()
            return { iterator.next() }
        }
        if !sortedBatch.isEmpty {
            var rest = sortedBatch
            spills.append(try spill(&rest, alreadySorted: true))
        }
        return try merge(spills)
    }

    private func stableSorted(_ rows: [DataRow]) -> [DataRow] {
        rows.enumerated().sorted { a, b in
            ordered(a.element, b.element) || (!ordered(b.element, a.element) && a.offset < b.offset)
        }.map(\.element)
    }

    private func spill(_ batch: inout [DataRow], alreadySorted: Bool = false) throws -> SpillFile {
        let file = try SpillFile(directory: spillDirectory)
        for row in alreadySorted ? batch : stableSorted(batch) { try file.append(row) }
        try file.rewind()
        batch.removeAll(keepingCapacity: true)
        return file
    }

    /// k-way merge; the earlier file wins ties, which keeps the sort stable.
    private func merge(_ files: [SpillFile]) throws -> () throws -> DataRow? {
        var heads: [DataRow?] = try files.map { try $0.read() }
        return { [self] in
            var best: Int?
            for index in heads.indices {
                guard let row = heads[index] else { continue }
                if let current = best, let currentRow = heads[current], !ordered(row, currentRow) { continue }
                best = index
            }
            guard let best, let row = heads[best] else { return nil }
            heads[best] = try files[best].read()
            return row
        }
    }
}
