import Glibc

/// Every connection is a file descriptor, so the connection cap is only real if RLIMIT_NOFILE
/// allows it. At start the soft limit is raised to the hard limit (what the administrator
/// allows; the soft default of 1,024 is a relic of select()), then a cap that still does not
/// fit is lowered, with a warning, rather than left to fail with EMFILE under load.
enum DescriptorLimit {
    /// Descriptors kept for everything that is not a client connection: listeners, epoll and
    /// eventfds, databases, plugins, logs, and the moment a refused connection is open.
    static let reserved = 256

    /// The connection cap that fits; logs a warning when it is lower than `requested`.
    static func fit(connections requested: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0 else { return requested }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(RLIMIT_NOFILE_VALUE, &raised) == 0 { limit = raised }
        }
        // RLIM_INFINITY is the largest rlim_t; anything above Int's range is "no limit" for us.
        let available = limit.rlim_cur > rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
        let fitting = max(1, available - reserved)
        guard requested > fitting else { return requested }
        Log.warning("server", "the connection cap \(requested) exceeds what the open-file limit allows (RLIMIT_NOFILE \(available), "
                    + "\(reserved) kept for other files): using \(fitting); raise the limit (ulimit -n, LimitNOFILE=) to allow more")
        return fitting
    }

    /// RLIMIT_NOFILE as the type getrlimit expects (an enum in Glibc's Swift import).
    private static var RLIMIT_NOFILE_VALUE: __rlimit_resource_t { __rlimit_resource_t(RLIMIT_NOFILE.rawValue) }
}
