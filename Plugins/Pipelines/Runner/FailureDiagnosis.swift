import Foundation

/// explain_job_failure's reading of a run: the primary error, which known patterns its log shows,
/// and what to try next. Heuristic on purpose; the log tail is always returned beside it.
struct FailureDiagnosis {
    enum Pattern: String, CaseIterable {
        case fatal = "FATAL"
        case error = "ERROR"
        case exception
        case auth
        case connection
        case schema

        /// Lower-case fragments that reveal the pattern.
        var needles: [String] {
            switch self {
            case .fatal: ["fatal"]
            case .error: ["error"]
            case .exception: ["exception", "panic", "crash"]
            case .auth: ["password authentication failed", "authentication", "permission denied", "not authorized", "access denied", "role \""]
            case .connection: ["could not connect", "connection refused", "connection reset", "timeout expired", "timed out", "unreachable",
                               "no such host", "could not translate host", "cannot open", "no such file"]
            case .schema: ["no such column", "no such table", "does not exist", "is not a field", "has no column", "unknown field", "cannot cast",
                           "type mismatch", "must be true or false", "not a valid"]
            }
        }

        var suggestion: String {
            switch self {
            case .fatal, .error, .exception: "Read the log tail around the first ERROR line; it names the component and the row or value involved."
            case .auth: "The database refused the credentials: ask an operator to check the connection's user and password, then test_connection."
            case .connection: "The run could not reach its data: test_connection on the source and destination connections; check host, port and paths."
            case .schema: "A field, column or table does not match: discover_schema / discover_file_schema to see the real columns, fix the component "
                + "with update_package_components, validate_package, then retry_job."
            }
        }
    }

    let primaryError: String?
    let patterns: [Pattern]
    let suggestions: [String]
    let summary: String

    init(run: Run, log: [String]) {
        guard run.status == .failed else {
            primaryError = nil
            patterns = []
            suggestions = run.status.isFinished ? ["The run did not fail; nothing to fix."] : ["The run is still \(run.status.rawValue); poll get_run."]
            summary = "\(run.id) is \(run.status.rawValue); it did not fail."
            return
        }
        let error = run.lastError ?? log.last { $0.contains("ERROR") } ?? "unknown error"
        primaryError = error
        let haystack = ([error] + log).joined(separator: "\n").lowercased()
        patterns = Pattern.allCases.filter { pattern in pattern.needles.contains { haystack.contains($0) } }
        var suggestions: [String] = []
        for pattern in patterns where !suggestions.contains(pattern.suggestion) { suggestions.append(pattern.suggestion) }
        if let component = run.errorComponent {
            suggestions.insert("The failure surfaced in component \"\(component)\": get_package with include_full_graph shows its properties.", at: 0)
        }
        suggestions.append("Nothing was written: destinations are all-or-nothing. After fixing, retry_job \(run.id).")
        self.suggestions = suggestions
        summary = "\(run.id) failed" + (run.errorComponent.map { " in \($0)" } ?? "") + ": \(error)"
    }
}
