import Glibc

/// A plain pthread mutex, for the few critical sections that make a system call.
///
/// Why not Synchronization.Mutex there: when it is contended, Swift's Mutex spins in
/// `_lockSlow` before it sleeps. If the holder is inside a system call (an eventfd write, an
/// inotify read), the spinner burns the very CPU the holder needs; on two cores with a worker
/// pool that cost 1.7% of CPU time and ~15% of read throughput at 64 connections (perf, make
/// bench). A pthread mutex sleeps in the kernel right away. Everywhere else, use Mutex.
public final class BlockingLock: @unchecked Sendable {  // the pthread mutex is the synchronization
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    public init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
