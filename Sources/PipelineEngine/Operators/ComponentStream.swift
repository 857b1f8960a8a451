/// Wraps each component's stream: counts its rows for the run report, names the component in any
/// error that surfaces from it, and checks for cancellation every 1,024 rows (not on every row).
final class ComponentStream: RowStream {
    let input: RowStream
    let component: String
    let counter: RowCounter
    let isCancelled: () -> Bool
    private var sinceCheck = 0

    init(_ input: RowStream, component: String, counter: RowCounter, isCancelled: @escaping () -> Bool) {
        self.input = input
        self.component = component
        self.counter = counter
        self.isCancelled = isCancelled
    }

    var schema: RowSchema { input.schema }

    func next() throws -> DataRow? {
        sinceCheck += 1
        if sinceCheck >= 1024 {
            sinceCheck = 0
            if isCancelled() { throw RunCancelled() }
        }
        do {
            guard let row = try input.next() else { return nil }
            counter.count += 1
            return row
        } catch var error as EngineError {
            if error.component == nil { error.component = component }
            throw error
        } catch let error as ExpressionError {
            throw EngineError(error.message, component: component)
        } catch is RunCancelled {
            throw RunCancelled()
        } catch {
            throw EngineError(String(describing: error), component: component)
        }
    }

    func close() { input.close() }
}

/// Rows a component produced; read by the runner for the run's report.
public final class RowCounter: @unchecked Sendable {
    public internal(set) var count = 0
    public init() {}
}

/// Thrown through the streams when the run was asked to stop.
public struct RunCancelled: Error {}
