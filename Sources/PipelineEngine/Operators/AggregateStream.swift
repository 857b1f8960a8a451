/// aggregate_component: groups by key columns and computes aggregates. Groups are held in memory
/// (bounded by `maxGroups`, with a clear error beyond it); rows are not. Output is in order of each
/// group's first appearance, so results are deterministic.
final class AggregateStream: RowStream {
    struct Spec {
        let function: AggregateFunction
        /// nil for count(*).
        let column: Int?
        let inputType: FieldType?
    }

    let input: RowStream
    let groupColumns: [Int]
    let specs: [Spec]
    let schema: RowSchema
    let maxGroups: Int
    private var results: [DataRow]?
    private var position = 0

    init(_ input: RowStream, groupColumns: [Int], specs: [Spec], schema: RowSchema, maxGroups: Int) {
        self.input = input
        self.groupColumns = groupColumns
        self.specs = specs
        self.schema = schema
        self.maxGroups = maxGroups
    }

    /// The type an aggregate produces for an input type.
    static func resultType(_ function: AggregateFunction, input: FieldType?) -> FieldType {
        switch function {
        case .count, .countDistinct: .integer
        case .avg: .number
        case .sum: input == .integer ? .integer : .number
        case .min, .max: input ?? .string
        }
    }

    func next() throws -> DataRow? {
        if results == nil { results = try compute() }
        guard position < results!.count else { return nil }
        defer { position += 1 }
        return results![position]
    }

    func close() { input.close() }

    private func compute() throws -> [DataRow] {
        var index: [[Value]: Int] = [:]
        var keys: [[Value]] = []
        var states: [[Accumulator]] = []
        while let row = try input.next() {
            let key = groupColumns.map { row[$0] }
            let slot: Int
            if let existing = index[key] {
                slot = existing
            } else {
                slot = keys.count
                guard slot < maxGroups else { throw EngineError("more than \(maxGroups) groups; aggregate holds groups in memory — group by fewer fields or filter first") }
                index[key] = slot
                keys.append(key)
                states.append(specs.map { Accumulator($0.function) })
            }
            for (i, spec) in specs.enumerated() {
                try states[slot][i].add(spec.column.map { row[$0] }, countsRows: spec.column == nil)
            }
        }
        input.close()
        // No rows and no grouping: SQL's one row of empty aggregates (count 0).
        if keys.isEmpty && groupColumns.isEmpty {
            return [specs.map { Accumulator($0.function).result }]
        }
        return zip(keys, states).map { key, accumulators in key + accumulators.map(\.result) }
    }
}

/// The running state of one aggregate in one group.
struct Accumulator {
    let function: AggregateFunction
    private var count: Int64 = 0
    private var intSum: Int64 = 0
    private var doubleSum: Double = 0
    private var sawDouble = false
    private var extreme: Value = .null
    private var distinct: Set<Value> = []

    init(_ function: AggregateFunction) { self.function = function }

    mutating func add(_ value: Value?, countsRows: Bool) throws {
        guard let value else { count += 1; return }   // count(*)
        if value.isNull { return }
        count += 1
        switch function {
        case .count: break
        case .countDistinct: distinct.insert(value)
        case .sum, .avg:
            switch value {
            case .int(let i):
                let (sum, overflow) = intSum.addingReportingOverflow(i)
                if overflow { sawDouble = true; doubleSum += Double(intSum) + Double(i); intSum = 0 } else { intSum = sum }
            case .double(let d): sawDouble = true; doubleSum += d
            default:
                guard let d = FieldType.number.convert(value)?.number else {
                    throw EngineError("\(function.rawValue) needs numbers, got \"\(String((value.text ?? "").prefix(60)))\"")
                }
                sawDouble = true; doubleSum += d
            }
        case .min: if extreme.isNull || Value.compare(value, extreme) < 0 { extreme = value }
        case .max: if extreme.isNull || Value.compare(value, extreme) > 0 { extreme = value }
        }
    }

    var result: Value {
        switch function {
        case .count: .int(count)
        case .countDistinct: .int(Int64(distinct.count))
        case .sum: count == 0 ? .null : (sawDouble ? .double(doubleSum + Double(intSum)) : .int(intSum))
        case .avg: count == 0 ? .null : .double((doubleSum + Double(intSum)) / Double(count))
        case .min, .max: extreme
        }
    }
}
