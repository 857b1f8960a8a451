import Foundation

// Runs a package: each destination pulls rows through its chain of components and writes them
// inside its own transaction (or temporary file). Only when every destination has taken every
// row are they committed; any failure or cancellation rolls all of them back, so a failed run
// leaves every destination as it was.

public struct RunReport: Sendable {
    /// Rows each component produced (destinations: rows written), by component name, in package order.
    public var componentRows: [(component: String, rows: Int)]
    public var rowsWritten: Int { componentRows.isEmpty ? 0 : destinationRows.reduce(0, +) }
    var destinationRows: [Int] = []
}

public struct RunFailure: Error, Sendable, CustomStringConvertible {
    /// The component the error surfaced in, when known.
    public var component: String?
    public var message: String
    public var cancelled: Bool
    public var report: RunReport

    public var description: String { component.map { "\($0): \(message)" } ?? message }
}

public final class FlowRunner {
    let document: FlowDocument
    let variables: [String: Value]
    let connections: ConnectionResolver
    let limits: EngineLimits
    let log: (String) -> Void
    let isCancelled: () -> Bool

    public init(_ document: FlowDocument, variables: [String: Value], connections: ConnectionResolver, limits: EngineLimits = EngineLimits(),
                log: @escaping (String) -> Void, isCancelled: @escaping () -> Bool) {
        self.document = document
        self.variables = variables
        self.connections = connections
        self.limits = limits
        self.log = log
        self.isCancelled = isCancelled
    }

    public func run() throws(RunFailure) -> RunReport {
        let compiler = FlowCompiler(document, variables: variables, connections: connections, limits: limits)
        let counters = Dictionary(uniqueKeysWithValues: document.components.map { ($0.id, RowCounter()) })
        func report() -> RunReport {
            RunReport(componentRows: document.components.map { ($0.name, counters[$0.id]!.count) },
                      destinationRows: compiler.graph.destinations.map { counters[$0.id]!.count })
        }
        let problems = compiler.graph.issues() + compiler.schemaIssues()
        if let first = problems.first {
            log("ERROR validation failed: " + problems.map(\.description).joined(separator: "; "))
            throw RunFailure(component: first.component, message: "the package is not valid: " + first.message, cancelled: false, report: report())
        }
        var writers: [(name: String, writer: TableWriter)] = []
        do {
            for destination in compiler.graph.destinations {
                let started = Date()
                log("INFO \(destination.name): writing")
                let input = try compiler.stream(of: compiler.graph.document.component(id: compiler.graph.input(of: destination)!.source)!,
                                                counters: counters, isCancelled: isCancelled)
                defer { input.close() }
                let writer = try openWriter(destination, schema: input.schema)
                writers.append((destination.name, writer))
                let counter = counters[destination.id]!
                do {
                    while let row = try input.next() {
                        try writer.write(row)
                        counter.count += 1
                    }
                } catch let error as EngineError where error.component == nil {
                    throw EngineError(error.message, component: destination.name)
                }
                log(String(format: "INFO %@: %d rows ready in %.2f s", destination.name, counter.count, Date().timeIntervalSince(started)))
            }
            if isCancelled() { throw RunCancelled() }
            for (name, writer) in writers {
                do { try writer.commit() } catch { throw EngineError("commit failed: \(FlowCompiler.describe(error))", component: name) }
                log("INFO \(name): committed \(writer.rowsWritten) rows")
            }
            return report()
        } catch {
            for (_, writer) in writers { writer.rollback() }
            if writers.count > 0 { log("INFO rolled back \(writers.count) destination(s): they are as they were before the run") }
            if error is RunCancelled {
                log("INFO the run was cancelled")
                throw RunFailure(component: nil, message: "the run was cancelled", cancelled: true, report: report())
            }
            let failure = FlowRunner.failure(error, report: report())
            log("ERROR " + failure.description)
            throw failure
        }
    }

    private func openWriter(_ destination: FlowComponent, schema: RowSchema) throws -> TableWriter {
        do {
            switch destination.kind {
            case .databaseDestination:
                guard case .database(let connector) = try connections.resolve(destination.string("connection_id") ?? "") else {
                    throw EngineError("not a database connection")
                }
                let mode: WriteMode = switch destination.string("mode") {
                case "replace": .replace
                case "upsert": .upsert(keys: destination.strings("key_fields") ?? [])
                default: .append
                }
                return try connector.beginWrite(into: TableName(schema: destination.string("schema_name"), name: destination.string("table_name") ?? ""),
                                                fields: schema.fields, mode: mode)
            default:
                return try FileDestinationPlan(destination, connections: connections).begin(schema: schema)
            }
        } catch let error as EngineError where error.component == nil {
            throw EngineError(error.message, component: destination.name)
        } catch let issue as ComponentIssue {
            throw EngineError(issue.message, component: destination.name)
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError(FlowCompiler.describe(error), component: destination.name)
        }
    }

    static func failure(_ error: Error, report: RunReport) -> RunFailure {
        switch error {
        case let error as EngineError: RunFailure(component: error.component, message: error.message, cancelled: false, report: report)
        case let issue as ComponentIssue: RunFailure(component: issue.component, message: issue.message, cancelled: false, report: report)
        default: RunFailure(component: nil, message: FlowCompiler.describe(error), cancelled: false, report: report)
        }
    }
}
