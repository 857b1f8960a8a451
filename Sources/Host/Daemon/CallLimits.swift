/// How much of the worker pool each toolset may take, how much work may wait for it, and how long
/// a call may take: the daemon's defaults (environment) with `toolhost.json`'s per-toolset overrides.
///
/// Defaults:
/// - `TOOLHOST_TOOLSET_CONCURRENCY`: calls one toolset runs at once, default workers − 1 (at least
///   1), so one toolset can never hold every worker. With a single worker that is 1 as well: there
///   is nothing to share, and a slow toolset does make the others wait (documented; raise
///   `TOOLHOST_TOOL_THREADS`).
/// - `TOOLHOST_TOOLSET_QUEUE`: calls that may wait for one toolset, default 256 (more are refused
///   with 503 at once rather than piling up behind a stuck toolset).
/// - `TOOLHOST_CALL_TIMEOUT`: seconds from arrival until the client gets a timeout answer, default
///   30. The time spent waiting in the queue counts.
struct CallLimits: Sendable {
    var maxConcurrentCalls: Int
    var maxQueuedCalls: Int
    var callTimeoutSeconds: Int
    var toolsets: [String: ToolsetCallSettings]
    /// 2025-03-26 batches that call no toolset: the same share and queue bound, and the default
    /// deadline. (A batch that calls tools waits in its toolsets' lanes instead.)
    var batches: LaneLimits

    static let defaultQueuedCalls = 256
    static let defaultTimeoutSeconds = 30

    init(workers: Int, environment: [String: String], toolsets: [String: ToolsetCallSettings]) throws {
        let share = max(1, workers - 1)
        maxConcurrentCalls = try CallLimits.setting("TOOLHOST_TOOLSET_CONCURRENCY", environment, ToolsetCallSettings.concurrencyRange) ?? share
        maxQueuedCalls = try CallLimits.setting("TOOLHOST_TOOLSET_QUEUE", environment, ToolsetCallSettings.queueRange) ?? CallLimits.defaultQueuedCalls
        callTimeoutSeconds = try CallLimits.setting("TOOLHOST_CALL_TIMEOUT", environment, ToolsetCallSettings.timeoutRange) ?? CallLimits.defaultTimeoutSeconds
        self.toolsets = toolsets
        batches = LaneLimits(maxRunning: share, maxQueued: CallLimits.defaultQueuedCalls)
    }

    private static func setting(_ name: String, _ environment: [String: String], _ range: ClosedRange<Int>) throws -> Int? {
        guard let text = environment[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound), not \(text)")
        }
        return value
    }

    func lane(_ lane: WorkLane) -> LaneLimits {
        switch lane {
        case .batch: return batches
        case .toolset(let name):
            let own = toolsets[name]
            return LaneLimits(maxRunning: own?.maxConcurrentCalls ?? maxConcurrentCalls, maxQueued: own?.maxQueuedCalls ?? maxQueuedCalls)
        }
    }

    /// A batch calling several toolsets gets the longest of their deadlines: it is one unit of
    /// work, and the shorter deadline would cut off the slower toolset's calls by design.
    func timeoutSeconds(for toolsets: [String]) -> Int {
        toolsets.map { self.toolsets[$0]?.callTimeoutSeconds ?? callTimeoutSeconds }.max() ?? callTimeoutSeconds
    }

    /// Start-up warnings: settings that defeat the point, and settings for toolsets not loaded.
    func warnings(workers: Int, loaded: Set<String>) -> [String] {
        var warnings: [String] = []
        if maxConcurrentCalls >= workers && workers > 1 {
            warnings.append("TOOLHOST_TOOLSET_CONCURRENCY=\(maxConcurrentCalls) with \(workers) workers: one slow toolset can hold every worker and make the others wait")
        }
        for (name, settings) in toolsets.sorted(by: { $0.key < $1.key }) {
            if !loaded.contains(name) { warnings.append("toolhost.json sets limits for toolset \(name), which is not loaded") }
            if let cap = settings.maxConcurrentCalls, cap >= workers && workers > 1 {
                warnings.append("toolsets.\(name).max_concurrent_calls=\(cap) with \(workers) workers: \(name) can hold every worker and make the others wait")
            }
        }
        return warnings
    }
}
