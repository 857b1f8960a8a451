// Public entry point: configuration, start (bind + spawn loop threads), graceful shutdown.
//
// Architecture: `loopThreads` pthreads, each running one EventLoop (EventLoop.swift) with its own
// SO_REUSEPORT listener, so the kernel balances accepts and no state is shared between loops
// except the connection admission (global and per-address counts, ConnectionAdmission.swift). Connections (Connection.swift) are edge-triggered, non-blocking,
// processed strictly one request at a time (pipelined bytes wait in the input buffer); which step
// is allowed when is an explicit state machine (ConnectionState.swift). The handler
// runs on the loop thread; a responder called there writes directly, one called from another
// thread queues the response to the owning loop and wakes it through an eventfd.
// Request heads and chunked bodies are parsed from bytes (RequestParser.swift), never via
// Foundation strings.
import CShims
import Glibc
import Synchronization

public final class HTTPServer: Sendable {
    public struct Configuration: Sendable {
        /// IPv4 or IPv6 literal ("::1", "[::1]" also accepted), or "localhost".
        public var host: String = "127.0.0.1"
        /// 0 = pick a free port (then read `boundPort`).
        public var port: Int = 8787
        /// One epoll loop + SO_REUSEPORT listening socket per thread.
        public var loopThreads: Int = 2
        /// Larger bodies get 413 (decided from Content-Length before reading the body).
        public var maxBodyBytes: Int = 1 << 20
        /// Request line + headers larger than this get 431.
        public var maxHeaderBytes: Int = 16 << 10
        /// Head/body not complete in time (counted from the request's first byte) → 408 and close.
        /// This is what cuts a request head trickled a byte at a time (slowloris).
        public var headerTimeoutSeconds: Double = 10
        /// A new connection that sends nothing for this long → closed silently. Short, so sockets
        /// that connect and stay silent cannot hold slots for the whole idle timeout.
        public var firstByteTimeoutSeconds: Double = 10
        /// Keep-alive connection with no request for this long (after its first request) → closed silently.
        public var idleTimeoutSeconds: Double = 60
        /// Open connections, all addresses together. Connections over the cap are accepted,
        /// answered a fixed 503 with Retry-After and closed at once.
        public var maxConnections: Int = 16_384
        /// Open connections per TCP peer address (behind a reverse proxy that is the proxy).
        /// Over it: the same fixed 503, so one address cannot take every slot.
        public var maxConnectionsPerAddress: Int = 256
        public init() {}
    }

    private enum State { case idle, running, stopped }

    /// What start() sets up and shutdown() tears down, guarded together.
    private struct Lifecycle {
        var state = State.idle
        var loops: [EventLoop] = []
        var threads: [pthread_t] = []
        var port = 0
    }

    public let configuration: Configuration
    private let handler: @Sendable (HTTPRequest, HTTPResponder) -> Void
    private let admission: ConnectionAdmission
    private let lifecycle = Mutex(Lifecycle())
    /// Held for the whole of shutdown so concurrent callers all return after the loops exited
    /// (they block on it; the holder blocks in pthread_join: no polling anywhere).
    private let shutdownInProgress = Mutex(())

    public init(configuration: Configuration, handler: @escaping @Sendable (HTTPRequest, HTTPResponder) -> Void) {
        self.configuration = configuration
        self.handler = handler
        admission = ConnectionAdmission(limit: max(1, configuration.maxConnections),
                                        perAddressLimit: max(1, configuration.maxConnectionsPerAddress))
    }

    deinit {
        shutdown(graceSeconds: 0)
    }

    /// The port actually listened on (useful with `port = 0`); 0 before `start()`.
    public var boundPort: Int { lifecycle.withLock { $0.port } }

    /// Connections currently open and admitted (over-cap rejections are not counted).
    public var activeConnectionCount: Int { admission.current }

    /// Binds, listens and spawns the loop threads. Throws `HTTPServerError`, e.g.
    /// "cannot listen on 127.0.0.1:8787: Address already in use".
    public func start() throws {
        try lifecycle.withLock { lifecycle in
            guard lifecycle.state == .idle else { throw HTTPServerError("HTTPServer.start(): already started (a server cannot be restarted)") }
            // A peer closing mid-write must not kill the process; send() also uses MSG_NOSIGNAL.
            signal(SIGPIPE, SIG_IGN)
            let host = configuration.host
            let resolvedPort = try Listener.probe(host: host, port: configuration.port)
            var created: [EventLoop] = []
            var openFds: [Int32] = []
            do {
                for _ in 0..<max(1, configuration.loopThreads) {
                    let listener = try Listener.open(host: host, port: resolvedPort)
                    openFds.append(listener.fd)
                    created.append(try EventLoop(listenFd: listener.fd, configuration: configuration,
                                                 admission: admission, handler: handler))
                }
            } catch {
                for fd in openFds { close(fd) }
                throw error
            }
            lifecycle.loops = created
            lifecycle.port = resolvedPort
            lifecycle.threads = try created.map { loop in
                try spawnThread { loop.run() }
            }
            lifecycle.state = .running
        }
    }

    /// Stops accepting at once, lets in-flight requests finish (their responders still work)
    /// for up to `graceSeconds`, then closes everything. Returns when all loops have exited.
    /// Idempotent. Called from a handler (a loop thread), it can't wait for its own loop: it then
    /// only initiates the shutdown and returns at once.
    public func shutdown(graceSeconds: Double = 10) {
        if EventLoop.isLoopThread {
            let deadline = monotonicNow() + max(0, graceSeconds)
            let running = lifecycle.withLock { $0.state == .running ? $0.loops : [] }
            for loop in running { loop.requestShutdown(deadline: deadline) }
            return
        }
        shutdownInProgress.withLock { _ in
            let running: (loops: [EventLoop], threads: [pthread_t])? = lifecycle.withLock { lifecycle in
                defer { lifecycle.state = .stopped }
                return lifecycle.state == .running ? (lifecycle.loops, lifecycle.threads) : nil
            }
            guard let running else { return }
            let deadline = monotonicNow() + max(0, graceSeconds)
            for loop in running.loops { loop.requestShutdown(deadline: deadline) }
            for thread in running.threads { pthread_join(thread, nil) }
            lifecycle.withLock { lifecycle in
                lifecycle.loops = []
                lifecycle.threads = []
            }
        }
    }
}

/// Box carrying a closure through pthread_create's void* argument.
private final class ThreadStart {
    let body: () -> Void
    init(body: @escaping () -> Void) { self.body = body }
}

/// A joinable pthread (no Foundation): loop threads live as long as the server.
private func spawnThread(_ body: @escaping () -> Void) throws -> pthread_t {
    let box = Unmanaged.passRetained(ThreadStart(body: body))
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { arg in
        let start = Unmanaged<ThreadStart>.fromOpaque(arg!).takeRetainedValue()
        start.body()
        return nil
    }, box.toOpaque())
    guard rc == 0 else {
        box.release()
        throw HTTPServerError("cannot start loop thread: \(errnoText(rc))")
    }
    return thread
}
