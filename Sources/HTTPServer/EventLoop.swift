// One epoll loop per thread: owns a SO_REUSEPORT listener, its connections, an eventfd for
// cross-thread wakeups and a periodic timeout sweep.
import CShims
import Locking
import Glibc
import Synchronization

/// Thread-local "which loop runs on this thread", used to recognise responder calls made
/// synchronously inside the handler (the fast path) without trusting reusable thread ids.
private let currentLoopKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

// @unchecked: other threads only reach enqueue() (via deliver/requestShutdown), which touches the
// Locked inbox and the eventfd; all other mutable state is used on the loop thread only.
final class EventLoop: @unchecked Sendable {
    /// Work handed to the loop by other threads.
    private enum Task {
        case response(HTTPResponse, fd: Int32, connectionID: UInt64, sequence: UInt64)
        case shutdown(deadline: Double)
        /// A piece of a streamed response (HTTPStream.swift).
        case stream(HTTPStream, StreamPart)
        /// HTTPResponder.onClientGone from another thread.
        case watchClient(@Sendable () -> Void, fd: Int32, connectionID: UInt64, sequence: UInt64)
    }

    /// Cross-thread queue; `stopped` makes late responders no-ops once the loop is gone.
    private struct Inbox {
        var tasks: [Task] = []
        var stopped = false
    }

    private static let listenerTag = UInt64.max
    private static let wakeTag = UInt64.max - 1
    private static let maxEvents = 256
    static let readChunk = 64 << 10

    let configuration: HTTPServer.Configuration
    let handler: @Sendable (HTTPRequest, HTTPResponder) -> Void
    let parser: RequestHeadParser
    private let admission: ConnectionAdmission
    private let refusal: ConnectionRefusal
    private let epfd: Int32
    private let wakeFd: Int32
    private var listenFd: Int32

    /// Connections indexed by fd; ids distinguish a reused fd from the original connection.
    private var connections: [Connection?] = []
    private var liveConnections = 0
    private var nextConnectionID: UInt64 = 1

    /// Cached once per wakeup; deadlines are measured against it.
    private(set) var now = monotonicNow()
    private let sweepInterval: Double
    private var nextSweep = 0.0
    /// "Date: ...\r\n", rebuilt at most once per second (RFC 9110 §6.6.1).
    private(set) var dateHeader: [UInt8] = []
    private var dateSecond = -1
    private(set) var shuttingDown = false
    private var acceptPaused = false
    private var shutdownDeadline = Double.infinity

    /// Shared receive buffer: reads land here, then get appended to the connection's input.
    let scratch = UnsafeMutableRawPointer.allocate(byteCount: EventLoop.readChunk, alignment: 16)
    private let eventData = UnsafeMutablePointer<UInt64>.allocate(capacity: EventLoop.maxEvents)
    private let eventFlags = UnsafeMutablePointer<UInt32>.allocate(capacity: EventLoop.maxEvents)

    /// A Locked, not a Mutex: enqueue() writes the eventfd while holding it (see BlockingLock).
    private let inbox = Locked(Inbox())
    /// The array the inbox had before the last drain, emptied, kept for the next one (loop thread only).
    private var spareTasks: [Task] = []

    init(listenFd: Int32, configuration: HTTPServer.Configuration, admission: ConnectionAdmission,
         handler: @escaping @Sendable (HTTPRequest, HTTPResponder) -> Void) throws {
        self.listenFd = listenFd
        self.configuration = configuration
        self.admission = admission
        refusal = ConnectionRefusal(retryAfterSeconds: Int(configuration.firstByteTimeoutSeconds.rounded(.up)))
        self.handler = handler
        parser = RequestHeadParser(maxHeaderBytes: configuration.maxHeaderBytes, maxBodyBytes: configuration.maxBodyBytes)
        // Sweep often enough that a short timeout is honoured reasonably precisely. One sweep
        // visits every connection of the loop, which costs nothing per request (unlike keeping a
        // timer structure up to date): 10,000 idle connections take 0.6% of one core in a release
        // build (bench/idle_connections.py).
        sweepInterval = max(0.01, min(0.25, configuration.headerTimeoutSeconds / 4, configuration.idleTimeoutSeconds / 4,
                                      configuration.firstByteTimeoutSeconds / 4))
        epfd = cshims_epoll_create()
        guard epfd >= 0 else { throw HTTPServerError("epoll_create1 failed: \(errnoText())") }
        wakeFd = cshims_eventfd()
        guard wakeFd >= 0 else {
            close(epfd)
            throw HTTPServerError("eventfd failed: \(errnoText())")
        }
        // Listener and eventfd are level-triggered (simple, nothing is ever left unread);
        // connections are edge-triggered so they are registered once and never modified.
        guard cshims_epoll_add(epfd, listenFd, CSHIMS_EPOLLIN, EventLoop.listenerTag) == 0,
              cshims_epoll_add(epfd, wakeFd, CSHIMS_EPOLLIN, EventLoop.wakeTag) == 0 else {
            let e = errnoText()
            close(epfd)
            close(wakeFd)
            throw HTTPServerError("epoll_ctl failed: \(e)")
        }
    }

    deinit {
        scratch.deallocate()
        eventData.deallocate()
        eventFlags.deallocate()
    }

    // MARK: - Loop

    /// Runs until shutdown completes; then every descriptor this loop owns is closed.
    func run() {
        pthread_setspecific(currentLoopKey, Unmanaged.passUnretained(self).toOpaque())
        now = monotonicNow()
        nextSweep = now + sweepInterval
        refreshDateHeader()
        while !(shuttingDown && (liveConnections == 0 || now >= shutdownDeadline)) {
            let timeout = max(0, min(nextSweep, shutdownDeadline) - now)
            let n = cshims_epoll_wait(epfd, eventData, eventFlags, Int32(EventLoop.maxEvents), Int32((timeout * 1000).rounded(.up)))
            now = monotonicNow()
            if n < 0 && errno != EINTR { break }
            refreshDateHeader()
            for i in 0..<max(0, Int(n)) {
                dispatchEvent(data: eventData[i], flags: eventFlags[i])
            }
            if now >= nextSweep {
                sweep()
                nextSweep = now + sweepInterval
            }
        }
        tearDown()
        pthread_setspecific(currentLoopKey, nil)
    }

    private func refreshDateHeader() {
        let second = time(nil)
        guard second != dateSecond else { return }
        dateSecond = second
        dateHeader = Array("Date: \(httpDate(second))\r\n".utf8)
    }

    private func dispatchEvent(data: UInt64, flags: UInt32) {
        switch data {
        case EventLoop.listenerTag: acceptConnections()
        case EventLoop.wakeTag: drainQueue()
        default:
            let fd = Int(data)
            if fd < connections.count, let connection = connections[fd] { connection.handle(events: flags) }
        }
    }

    /// Accepts a bounded batch so one busy listener can't starve existing connections.
    private func acceptConnections() {
        guard listenFd >= 0 else { return }
        var ip = [CChar](repeating: 0, count: 64)
        for _ in 0..<64 {
            let fd = cshims_accept_stream(listenFd, &ip, Int32(ip.count))
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM {
                    // Out of descriptors: the level-triggered listener would report "readable"
                    // in a tight loop. Stop watching it until the next sweep.
                    _ = cshims_epoll_del(epfd, listenFd)
                    acceptPaused = true
                }
                return   // EAGAIN: nothing left to accept
            }
            let address = ip.withUnsafeBufferPointer { chars in
                let length = chars.firstIndex(of: 0) ?? chars.count
                return String(decoding: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(chars)[0..<length]), as: UTF8.self)
            }
            let verdict = admission.admit(address)
            guard verdict == .admitted else {
                // Over a cap: the client learns why (503 with Retry-After) and the socket is gone at once.
                refusal.refuse(fd: fd, because: verdict, scratch: scratch, scratchSize: EventLoop.readChunk)
                continue
            }
            let connection = Connection(fd: fd, id: nextConnectionID, remoteAddress: address, loop: self)
            nextConnectionID += 1
            guard cshims_epoll_add(epfd, fd, CSHIMS_EPOLLIN | CSHIMS_EPOLLOUT | CSHIMS_EPOLLRDHUP | CSHIMS_EPOLLET, UInt64(fd)) == 0 else {
                admission.release(address)
                close(fd)
                continue
            }
            if Int(fd) >= connections.count {
                connections.append(contentsOf: repeatElement(nil, count: Int(fd) + 1 - connections.count))
            }
            connections[Int(fd)] = connection
            liveConnections += 1
            if shuttingDown { connection.close() }
        }
    }

    /// Called by `Connection.close()`.
    func connectionClosed(_ connection: Connection) {
        if Int(connection.fd) < connections.count, connections[Int(connection.fd)] === connection {
            connections[Int(connection.fd)] = nil
            liveConnections -= 1
        }
        admission.release(connection.remoteAddress)
    }

    // MARK: - Responses from any thread

    /// True on any loop thread (of any server).
    static var isLoopThread: Bool { pthread_getspecific(currentLoopKey) != nil }

    func deliver(_ response: HTTPResponse, fd: Int32, connectionID: UInt64, sequence: UInt64) {
        if pthread_getspecific(currentLoopKey) == Unmanaged.passUnretained(self).toOpaque() {
            deliverOnLoop(response, fd: fd, connectionID: connectionID, sequence: sequence)
        } else {
            enqueue(.response(response, fd: fd, connectionID: connectionID, sequence: sequence))
        }
    }

    private func deliverOnLoop(_ response: HTTPResponse, fd: Int32, connectionID: UInt64, sequence: UInt64) {
        guard Int(fd) < connections.count, let connection = connections[Int(fd)], connection.id == connectionID else {
            return   // the connection went away meanwhile; nothing to do
        }
        connection.responseArrived(response, sequence: sequence)
    }

    /// A streamed response's head, piece or end, from any thread (HTTPStream.swift).
    func deliver(stream: HTTPStream, _ part: StreamPart) {
        if pthread_getspecific(currentLoopKey) == Unmanaged.passUnretained(self).toOpaque() {
            deliverOnLoop(stream: stream, part)
        } else {
            enqueue(.stream(stream, part))
        }
    }

    private func deliverOnLoop(stream: HTTPStream, _ part: StreamPart) {
        if case .piece(let bytes) = part { stream.dequeued(bytes.count) }
        guard Int(stream.fd) < connections.count, let connection = connections[Int(stream.fd)],
              connection.id == stream.connectionID else {
            stream.connectionGone()   // its connection went away meanwhile
            return
        }
        connection.streamPartArrived(part, of: stream)
    }

    func watchClient(fd: Int32, connectionID: UInt64, sequence: UInt64, _ handler: @escaping @Sendable () -> Void) {
        guard pthread_getspecific(currentLoopKey) == Unmanaged.passUnretained(self).toOpaque() else {
            return enqueue(.watchClient(handler, fd: fd, connectionID: connectionID, sequence: sequence))
        }
        guard Int(fd) < connections.count, let connection = connections[Int(fd)], connection.id == connectionID else {
            return handler()   // gone already
        }
        connection.watchClient(sequence: sequence, handler)
    }

    private func enqueue(_ task: Task) {
        inbox.withLock { inbox in
            guard !inbox.stopped else { return }
            let wasEmpty = inbox.tasks.isEmpty
            inbox.tasks.append(task)
            // Only the first task needs a wakeup; the loop drains the whole queue at once.
            // Written under the lock so tearDown() can't close wakeFd underneath us.
            if wasEmpty {
                var one: UInt64 = 1
                _ = write(wakeFd, &one, 8)
            }
        }
    }

    private func drainQueue() {
        var counterValue: UInt64 = 0
        _ = read(wakeFd, &counterValue, 8)   // reset before taking the queue, see enqueue()
        // Swap in the emptied array of the previous drain, so the inbox keeps a buffer with capacity
        // and a worker's next response does not allocate a new one.
        var tasks: [Task] = []
        swap(&tasks, &spareTasks)
        inbox.withLock { swap(&tasks, &$0.tasks) }
        defer {
            tasks.removeAll(keepingCapacity: true)
            swap(&tasks, &spareTasks)
        }
        for task in tasks {
            switch task {
            case let .response(response, fd, connectionID, sequence):
                deliverOnLoop(response, fd: fd, connectionID: connectionID, sequence: sequence)
            case let .shutdown(deadline):
                beginShutdown(deadline: deadline)
            case let .stream(stream, part):
                deliverOnLoop(stream: stream, part)
            case let .watchClient(handler, fd, connectionID, sequence):
                watchClient(fd: fd, connectionID: connectionID, sequence: sequence, handler)
            }
        }
    }

    // MARK: - Timeouts and shutdown

    private func sweep() {
        if acceptPaused && listenFd >= 0 {
            acceptPaused = cshims_epoll_add(epfd, listenFd, CSHIMS_EPOLLIN, EventLoop.listenerTag) != 0
        }
        for fd in 0..<connections.count {
            connections[fd]?.checkTimeouts(now: now)
        }
    }

    /// Asks the loop (from any thread) to stop accepting and wind down by `deadline`.
    func requestShutdown(deadline: Double) {
        enqueue(.shutdown(deadline: deadline))
    }

    private func beginShutdown(deadline: Double) {
        guard !shuttingDown else { return }
        shuttingDown = true
        shutdownDeadline = deadline
        if listenFd >= 0 {
            _ = cshims_epoll_del(epfd, listenFd)
            close(listenFd)   // new connects are refused from here on
            listenFd = -1
        }
        for fd in 0..<connections.count {
            connections[fd]?.shutdownRequested()
        }
    }

    private func tearDown() {
        for fd in 0..<connections.count {
            connections[fd]?.close()
        }
        if listenFd >= 0 {
            close(listenFd)
            listenFd = -1
        }
        inbox.withLock { inbox in
            inbox.stopped = true
            inbox.tasks.removeAll()
            close(wakeFd)
        }
        close(epfd)
    }
}

/// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), formatted by hand: strftime depends on the locale.
func httpDate(_ seconds: Int) -> String {
    var t = time_t(seconds)
    var tm = Glibc.tm()
    gmtime_r(&t, &tm)
    let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return "\(days[Int(tm.tm_wday)]), \(two(tm.tm_mday)) \(months[Int(tm.tm_mon)]) \(1900 + tm.tm_year) "
        + "\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)) GMT"
}
