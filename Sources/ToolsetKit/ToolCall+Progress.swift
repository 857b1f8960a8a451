import PluginABI

/// Progress and cancellation of a tool call (toolhost_plugin.h section 10, ABI 1.2). On an older
/// host, or one that gave no call handle, both are quiet: progress goes nowhere, and a call is
/// never cancelled.
extension ToolCall {
    /// Tells the client how far the call got, if it asked (else a no-op on the host's side, so
    /// call it freely). `progress` must increase from one report to the next; `total` is the value
    /// that means done, if known. False when the host refused the value (not increasing, not
    /// finite) or has no report_progress.
    @discardableResult
    public func reportProgress(_ progress: Double, total: Double? = nil, message: String? = nil) -> Bool {
        guard let host = HostAPI.current, let report = host.table.report_progress, let handle = callHandle else { return false }
        let status: th_status
        if let message {
            status = message.withCString { report(host.table.host, handle, progress, total ?? 0, $0) }
        } else {
            status = report(host.table.host, handle, progress, total ?? 0, nil)
        }
        return status == TH_OK
    }

    /// True once the client cancelled the call or its deadline passed: stop soon and return (any
    /// result will do; the client may never see it). One atomic load on the host's side.
    public var isCancelled: Bool {
        guard let host = HostAPI.current, let isCancelled = host.table.is_cancelled, let handle = callHandle else { return false }
        return isCancelled(host.table.host, handle) != 0
    }

    /// ctx->call_handle when the host's context is long enough to hold it (ABI 1.2).
    private var callHandle: UnsafeMutableRawPointer? {
        guard let rawContext, hasField(rawContext, \th_call_context.call_handle) else { return nil }
        return rawContext.pointee.call_handle
    }
}
