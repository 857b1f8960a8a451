import PluginABI

/// A job handler a plugin registered (ABI 1.2, header section 8), with its limits resolved.
// @unchecked: registered during plugin load and read-only after; holds the plugin's C function and
// data pointers, which Swift cannot check (the header's thread rule covers them).
final class RegisteredJobHandler: @unchecked Sendable {
    let kind: String
    /// The toolset whose switch and plan gate the job.
    let toolset: RegisteredToolset
    let run: th_job_fn
    let release: th_release_fn
    let handlerData: UnsafeMutableRawPointer?
    let maxConcurrency: Int
    let timeoutMs: Int64
    let maxAttempts: Int
    let retryDelayMs: Int64

    static let defaultTimeoutMs: Int64 = 10 * 60_000
    static let defaultMaxAttempts = 3
    static let defaultRetryDelayMs: Int64 = 10_000
    static let maxRetryDelayMs: Int64 = 3_600_000

    init(kind: String, toolset: RegisteredToolset, run: th_job_fn, release: th_release_fn, handlerData: UnsafeMutableRawPointer?,
         maxConcurrency: UInt32, timeoutMs: UInt32, maxAttempts: UInt32, retryDelayMs: UInt32) {
        self.kind = kind
        self.toolset = toolset
        self.run = run
        self.release = release
        self.handlerData = handlerData
        self.maxConcurrency = max(1, Int(maxConcurrency))
        self.timeoutMs = timeoutMs == 0 ? Self.defaultTimeoutMs : Int64(timeoutMs)
        self.maxAttempts = maxAttempts == 0 ? Self.defaultMaxAttempts : Int(maxAttempts)
        self.retryDelayMs = retryDelayMs == 0 ? Self.defaultRetryDelayMs : Int64(retryDelayMs)
    }

    var plugin: LoadedPlugin { toolset.plugin }

    /// The wait before attempt `attempt + 1`: the delay doubled per failed attempt, at most an hour.
    func delay(afterAttempt attempt: Int) -> Int64 {
        let doublings = min(max(attempt - 1, 0), 20)
        return min(retryDelayMs << Int64(doublings), Self.maxRetryDelayMs)
    }

    /// [a-z0-9_.-]{1,64}: kinds and schedule names.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.utf8.allSatisfy {
            ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2E || $0 == 0x2D
        }
    }
}
