/// The closed vocabularies, written once.

enum RequestStatus: String, CaseIterable {
    case pending, accepted, declined
}

enum RunStatus: String, CaseIterable {
    case queued, running, succeeded, failed, cancelled

    var isFinished: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

enum StepStatus: String, CaseIterable {
    case pending, running, succeeded, failed, skipped
}

enum StepType: String, CaseIterable {
    /// Calls a tool of another toolset as the triggering token.
    case tool
    /// Sends an HTTP request to a URL the operator wrote into the recipe.
    case http
}

extension CaseIterable where Self: RawRepresentable, RawValue == String {
    static var names: [String] { allCases.map(\.rawValue) }
    static var namesText: String { names.joined(separator: ", ") }
}
