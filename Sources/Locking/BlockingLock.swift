import Glibc

/// A plain pthread mutex: for locks that many threads take on the request path, and for any
/// critical section that makes a system call.
///
/// Why not Synchronization.Mutex there: when it is contended, Swift's Mutex spins in
/// `_lockSlow` before it sleeps. With more threads than cores (event loops plus tool workers on
/// two cores) the holder is often descheduled or inside a system call (an eventfd write, an
/// inotify read), and the spinner burns the very CPU the holder needs: measured as 1.7% of CPU
/// time in `_lockSlow` and ~15% fewer reads/s at 64 connections (perf, make bench). A pthread
/// mutex sleeps in the kernel right away. State that one thread owns at a time, or that is
/// rarely contended, uses Mutex.
public final class BlockingLock: @unchecked Sendable {  // the pthread mutex is the synchronization
    @usableFromInline let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    public init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Inlinable so that callers in other modules get it specialized, with no generic call.
    @inlinable
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// A value guarded by a BlockingLock: the form every shared, hot state in the project takes, so
/// that no type needs its own lock-plus-variable pair and an `@unchecked Sendable` to go with it.
///
/// Also what a `static let` holds instead of a `Mutex`: in Swift 6.3 release builds the optimizer
/// emitted a `static let … = Mutex(State())` as statically initialized, zeroed memory without
/// running its initializer (an Optional in it read back as `.some(0)`, and every Swift plugin
/// crashed on load). A class instance is always created by running its initializer.
public final class Locked<Value>: @unchecked Sendable {  // `value` is only touched under `lock`
    @usableFromInline let lock = BlockingLock()
    @usableFromInline var value: Value

    public init(_ value: Value) { self.value = value }

    @inlinable
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        try lock.withLock { try body(&value) }
    }
}
