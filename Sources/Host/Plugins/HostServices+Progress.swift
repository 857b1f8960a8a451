import PluginABI

/// th_host_api.report_progress (ABI 1.2, header section 10). The common case — the client asked
/// for no progress, or the handle is a job's or an operator command's — returns at the first
/// nil: no allocation, no lock.
extension HostServices {
    func installProgressFunction(_ api: UnsafeMutablePointer<th_host_api>) {
        api.pointee.report_progress = { _, handle, progress, total, message in
            guard let reporter = CallHandle.from(handle)?.control?.progress else { return TH_OK }
            let text = message.map { String(cString: $0) }
            switch reporter.report(progress: progress, total: total > 0 ? total : nil, message: text) {
            case .sent, .dropped: return TH_OK
            case .invalid: return TH_INVALID_ARGUMENT
            }
        }
    }
}
