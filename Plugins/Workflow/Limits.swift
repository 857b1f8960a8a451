/// Sizes every input, list and queue is held to.
enum Limits {
    static let title = 200
    static let description = 10_000
    static let category = 100
    static let query = 200
    static let pageDefault = 25
    static let pageMax = 100
    /// Requests waiting for review per tenant: an agent in a loop fills its own queue, not the team's day.
    static let pendingRequests = 100
    /// Runs queued or running at once per tenant: triggering in a loop fills this, not the job queue.
    static let activeRuns = 50
    static let steps = 20
    static let stepName = 64
    static let inputsBytes = 64 * 1024
    /// What a step's output may keep (a tool's result or an HTTP body), in bytes of JSON.
    static let stepOutputBytes = 64 * 1024
    static let httpTimeoutDefault = 10.0
    static let httpTimeoutMax = 60.0
    static let httpRetriesMax = 5
    static let httpBodyBytes = 1024 * 1024
}
