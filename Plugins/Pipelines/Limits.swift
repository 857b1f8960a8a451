/// Every bound of the pipelines toolset, in one place.
enum Limits {
    static let pageDefault = 50
    static let pageMax = 200
    static let nameLength = 200
    static let descriptionLength = 2000
    static let componentsPerPackage = 200
    static let edgesPerPackage = 400
    static let dataFlowBytes = 512 * 1024
    static let variablesPerPackage = 100
    static let variableValueLength = 4096
    static let packagesPerTenant = 10_000
    static let runLogLines = 2000
    static let runLogLineLength = 2000
    static let logTailDefault = 20
    static let explainTailDefault = 50
    static let logTailMax = 200
    static let previewDefault = 20
    static let previewMax = 200
    static let previewSeconds: Double = 10
    static let searchPerTypeDefault = 10
    static let searchPerTypeMax = 50
    static let discoverDefault = 100
    static let discoverMax = 1000
    static let sniffLinesDefault = 100
    static let sniffLinesMax = 10_000
    /// Runs queued or running per tenant; run_package refuses more.
    static let activeRuns = 100
    static let clusterNodesMax = 64
    static let defaultIdleSeconds = 900
    /// Host job-runner threads for runs across every tenant (cluster nodes bound each cluster below this).
    static let runWorkers = 8
    static let runTimeoutSeconds: Double = 6 * 3600
    /// Deliveries of a run's job: interrupted runs start again up to 3 times; the 4th delivery marks it failed.
    static let runAttempts = 4
    /// How soon a run waiting for a busy cluster's node tries again (as a new job; no thread waits).
    static let nodeRecheckMilliseconds: Int64 = 500
}
