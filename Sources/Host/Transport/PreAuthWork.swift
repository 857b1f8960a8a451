import Glibc
import HTTPServer
import Locking

/// One OAuth request, routed: what kind of pre-authentication work it is, who sent it, and the
/// page to run once any client metadata document has been dealt with.
struct PreAuthJob: Sendable {
    enum Kind: Sendable {
        /// Bounded work without scrypt or network: registration, token, revocation, consent.
        case page
        /// POST /oauth/signin: one scrypt verification.
        case signIn
        /// /oauth/authorize or /oauth/token naming a URL client_id: its document may need a fetch.
        case metadata(clientID: String)
    }

    let kind: Kind
    let address: String
    let run: @Sendable (MetadataCheck) -> HTTPResponse
}

/// Where work for clients that have not authenticated yet runs: the OAuth pages, their scrypt
/// and their client metadata fetches. None of it touches the tool-call workers.
///
/// - **Page threads** (`pre_auth.threads`, default 2) with a bounded queue (`pre_auth.queue`; full
///   → 503 + Retry-After). They run at a lower CPU priority (nice + 10), so that a flood of
///   sign-ins, which is CPU work (scrypt), leaves the cores to tool calls when both want them.
/// - **Fetch threads** (`pre_auth.metadata_fetches`, default 2) with their own queue. A fetch
///   waits up to 5 s on the network; it does so here, on a thread that does nothing else, never
///   on a page thread or a tool worker. The page is run on a page thread when the fetch is over.
///   Requests for a document already being fetched wait for that fetch instead of starting another.
/// - **Per address** (ClientAddress): sign-ins running or waiting (`sign_ins_per_address`, 1) and
///   started per minute (`sign_ins_per_minute`, 20); fetches running or waiting
///   (`metadata_fetches_per_address`, 1). Over → 429 + Retry-After, before any work is queued.
final class PreAuthWork: Sendable {
    private let pages: WorkerPool<Int>
    private let fetches: WorkerPool<Int>
    private let signIns: AddressBudget
    private let fetchesByAddress: AddressBudget
    private let oauth: AuthorizationServer
    /// Fetches in progress by client_id, and who waits for each.
    private let inFlight = Locked<[String: [Waiter]]>([:])

    private struct Waiter {
        let job: PreAuthJob
        let respond: @Sendable (HTTPResponse) -> Void
    }

    init(limits: PreAuthLimits, oauth: AuthorizationServer) {
        self.oauth = oauth
        let pageLane = LaneLimits(maxRunning: limits.threads, maxQueued: limits.queue)
        let fetchLane = LaneLimits(maxRunning: limits.metadataFetches, maxQueued: limits.metadataFetchQueue)
        pages = WorkerPool(threads: limits.threads, name: "toolhost-preauth", threadStart: PreAuthWork.lowerPriority) { _ in pageLane }
        fetches = WorkerPool(threads: limits.metadataFetches, name: "toolhost-fetch", threadStart: PreAuthWork.lowerPriority) { _ in fetchLane }
        signIns = AddressBudget(maxConcurrent: limits.signInsPerAddress, perMinute: limits.signInsPerMinute)
        fetchesByAddress = AddressBudget(maxConcurrent: limits.metadataFetchesPerAddress)
    }

    func submit(_ job: PreAuthJob, respond: @escaping @Sendable (HTTPResponse) -> Void) {
        switch job.kind {
        case .page:
            runPage(job, .load, respond)
        case .signIn:
            guard admit(signIns, job.address, "sign-in attempts", respond) else { return }
            runPage(job, .load, respond) { self.signIns.release(job.address) }
        case .metadata(let clientID):
            // The cache lookup reads host.db: a page thread's work, not a loop's.
            queue(on: pages, respond) {
                if self.oauth.hasFreshMetadataClient(clientID) {
                    respond(job.run(.done(problem: nil)))
                } else {
                    self.fetch(clientID, for: job, respond)
                }
            }
        }
    }

    /// Lets queued work finish, then ends the threads. Fetches first: a finished fetch queues its page.
    func stop() {
        fetches.stop()
        pages.stop()
    }

    // MARK: Steps

    private func runPage(_ job: PreAuthJob, _ check: MetadataCheck, _ respond: @escaping @Sendable (HTTPResponse) -> Void,
                         release: (@Sendable () -> Void)? = nil) {
        // The budget is released before the answer goes out: a client that sends its next
        // attempt as soon as it has the answer must not find its own slot still taken.
        queue(on: pages, respond, refused: release) {
            let response = job.run(check)
            release?()
            respond(response)
        }
    }

    private func fetch(_ clientID: String, for job: PreAuthJob, _ respond: @escaping @Sendable (HTTPResponse) -> Void) {
        guard admit(fetchesByAddress, job.address, "client metadata fetches", respond) else { return }
        let waiter = Waiter(job: job, respond: respond)
        let leads = inFlight.withLock { inFlight -> Bool in
            let waiting = inFlight[clientID]
            inFlight[clientID] = (waiting ?? []) + [waiter]
            return waiting == nil
        }
        guard leads else { return }
        let admission = fetches.submit(lanes: [0]) {
            let problem = self.oauth.fetchMetadataClient(clientID)
            for waiter in self.takeWaiters(clientID) {
                self.fetchesByAddress.release(waiter.job.address)
                self.runPage(waiter.job, .done(problem: problem), waiter.respond)
            }
        }
        if case .queueFull = admission {
            for waiter in takeWaiters(clientID) {
                fetchesByAddress.release(waiter.job.address)
                waiter.respond(PreAuthWork.busy("Too many client metadata documents are being fetched at the moment"))
            }
        }
    }

    private func takeWaiters(_ clientID: String) -> [Waiter] {
        inFlight.withLock { $0.removeValue(forKey: clientID) ?? [] }
    }

    private func admit(_ budget: AddressBudget, _ address: String, _ what: String, _ respond: @Sendable (HTTPResponse) -> Void) -> Bool {
        guard case .refused(let seconds) = budget.acquire(address, now: Clock.nowMilliseconds()) else { return true }
        var response = HTTPResponse.text(429, "Too many \(what) from your address; retry in \(seconds) s")
        response.headers.add("Retry-After", String(seconds))
        respond(response)
        return false
    }

    private func queue(on pool: WorkerPool<Int>, _ respond: @Sendable (HTTPResponse) -> Void, refused: (() -> Void)? = nil,
                       _ work: @escaping () -> Void) {
        guard case .queueFull = pool.submit(lanes: [0], work) else { return }
        refused?()
        respond(PreAuthWork.busy("The sign-in service is busy"))
    }

    private static func busy(_ reason: String) -> HTTPResponse {
        var response = HTTPResponse.text(503, reason + "; retry in a moment")
        response.headers.add("Retry-After", "1")
        return response
    }

    /// Nice + 10 for the calling thread only (on Linux the nice value is per thread): under CPU
    /// contention the scheduler then gives tool workers and loops about ten times its share.
    @Sendable private static func lowerPriority() {
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        errno = 0
        let current = getpriority(which, 0)
        guard errno == 0 else { return }
        _ = setpriority(which, 0, min(19, current + 10))
    }
}
