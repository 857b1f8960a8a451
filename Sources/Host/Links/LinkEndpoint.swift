import Foundation
import HTTPServer
import JSON
import PluginABI

/// Requests in the plugins' HTTP spaces, /{tenant}/x/{plugin}/{path…} (header section 11). No
/// bearer token: the signed link is the credential. One request, top to bottom:
///   on the loop: route (names and path checked), method, the plugin's handler for the path, the
///     link parameters present — anything wrong is a 404/405 that costs no worker;
///   on a link worker (a bounded pool of its own; full → 503): LinkVerifier (key, signature,
///     stored link, revocation, expiry, single use consumed) → the handler (HTTPHandlerCall) →
///     the answer: a small body, or a file of the pair's files folder the server streams, with
///     Range support → audit `link.used`.
final class LinkEndpoint: Sendable {
    private let registry: PluginRegistry
    private let links: LazyLinkStore
    private let databases: ToolsetDatabases
    private let stores: ConnectionPool<HostStore>
    private let events: EventSink?
    private let dataDirectory: String
    /// nil runs links on the loop that read the request (tests; TOOLHOST_LINK_THREADS=0).
    private let pool: WorkerPool<Int>?

    init(registry: PluginRegistry, links: LazyLinkStore, databases: ToolsetDatabases, stores: ConnectionPool<HostStore>,
         events: EventSink?, dataDirectory: String, threads: Int, queue: Int) {
        self.registry = registry
        self.links = links
        self.databases = databases
        self.stores = stores
        self.events = events
        self.dataDirectory = dataDirectory
        let lane = LaneLimits(maxRunning: max(1, threads), maxQueued: queue)
        pool = threads > 0 ? WorkerPool(threads: threads, name: "toolhost-links") { _ in lane } : nil
    }

    func handle(_ request: HTTPRequest, route: LinkRoute, respond: @escaping @Sendable (HTTPResponse) -> Void) {
        guard request.method == "GET" || request.method == "HEAD" else {
            return respond(LinkResponses.plain(405, "Method not allowed", allow: "GET, HEAD"))
        }
        guard let plugin = registry.plugins.first(where: { $0.name == route.plugin }),
              let (handler, rest) = plugin.httpHandler(for: route.path),
              let parameters = LinkParameters(query: request.query) else { return respond(LinkResponses.plain(404, "Not found")) }
        let work = { respond(self.serve(request, route: route, handler: handler, rest: rest, parameters: parameters)) }
        guard let pool else { return work() }
        if case .queueFull = pool.submit(lanes: [0], work) {
            var busy = LinkResponses.plain(503, "Busy: too many downloads at once; try again shortly")
            busy.headers.add("Retry-After", "1")
            respond(busy)
        }
    }

    func stop() { pool?.stop() }

    private func serve(_ request: HTTPRequest, route: LinkRoute, handler: RegisteredHTTPHandler, rest: String,
                       parameters: LinkParameters) -> HTTPResponse {
        let started = Clock.monotonicNanoseconds()
        guard let store = links.store else { return LinkResponses.plain(503, "Links are unavailable") }
        let verifier = LinkVerifier(store: store) { [stores] tenant in try stores.withResource { try $0.tenant(named: tenant) } != nil }
        let verdict: LinkVerifier.Verdict
        do {
            verdict = try verifier.verify(route: route, parameters: parameters, nowMs: Clock.nowMilliseconds(), consume: request.method == "GET")
        } catch {
            Log.error("links", "could not check link \(parameters.linkID): \(error)")
            return LinkResponses.plain(500, "Internal error")
        }
        switch verdict {
        case .unknown(let why):
            Log.debug("links", "404 for /\(route.tenant)/x/\(route.plugin)/\(route.path): \(why)")
            return LinkResponses.plain(404, "Not found")
        case .gone(let link, let reason):
            let response = LinkResponses.plain(410, "Gone: this link has \(reason == "already used" ? "already been used" : reason == "expired" ? "expired" : "been revoked")")
            audit(link, request: request, status: 410, bytes: 0, requestID: nil, started: started, extra: ["refused": .string(reason)])
            return response
        case .allowed(let link):
            let requestID = ToolInvoker.nextRequestID()
            let call = HTTPHandlerCall(handler: handler, link: link, method: request.method, rest: rest, query: parameters.rest,
                                       requestID: requestID, databases: databases)
            let response = answer(call, request: request)
            let bytes = response.file.map(\.length) ?? Int64(response.body.count)
            audit(link, request: request, status: response.status, bytes: request.method == "HEAD" ? 0 : bytes, requestID: requestID,
                  started: started, extra: [:])
            return response
        }
    }

    /// Runs the handler and turns its answer into the response, refusing what breaks the rules.
    private func answer(_ call: HTTPHandlerCall, request: HTTPRequest) -> HTTPResponse {
        let plugin = call.handler.plugin.name
        let answer: HTTPHandlerCall.Answer
        do { answer = try call.run() } catch {
            Log.error("plugin:\(plugin)", "HTTP handler \(call.handler.prefix) for tenant \(call.link.tenant): \(error)")
            return LinkResponses.plain(500, "Internal error")
        }
        guard answer.status == TH_OK else {
            Log.error("plugin:\(plugin)", "HTTP handler \(call.handler.prefix) failed with status \(answer.status.rawValue)")
            return LinkResponses.plain(500, "Internal error")
        }
        if let problem = answer.problem ?? ((200...599).contains(answer.httpStatus) ? nil : "status \(answer.httpStatus) is not 200–599") {
            Log.error("plugin:\(plugin)", "HTTP handler \(call.handler.prefix): \(problem)")
            return LinkResponses.plain(500, "Internal error")
        }
        var headers = HTTPHeaders()
        if answer.contentType != nil && LinkResponses.safeContentType(answer.contentType) == nil {
            Log.warning("plugin:\(plugin)", "HTTP handler \(call.handler.prefix): content_type is not printable ASCII of at most 200 bytes; sending application/octet-stream")
        }
        headers.add("Content-Type", LinkResponses.safeContentType(answer.contentType) ?? "application/octet-stream")
        if let name = answer.downloadName { headers.add("Content-Disposition", ContentDisposition.attachment(filename: name)) }
        for (name, value) in LinkResponses.securityHeaders { headers.add(name, value) }
        guard let path = answer.filePath else { return HTTPResponse(status: answer.httpStatus, headers: headers, body: answer.body) }
        return fileResponse(path, status: answer.httpStatus, headers: headers, call: call, request: request)
    }

    /// Streams a file of the (tenant, plugin) folder, honouring a single Range on a 200 answer.
    private func fileResponse(_ path: String, status: Int, headers: HTTPHeaders, call: HTTPHandlerCall, request: HTTPRequest) -> HTTPResponse {
        let plugin = call.handler.plugin.name
        let opened = Result { try FilesFolder.ensure(dataDirectory: dataDirectory, tenant: call.link.tenant, plugin: plugin) }
            .mapError { FilesFolderError("\($0)") }
            .flatMap { FilesFolder.openForStreaming(path, inside: $0) }
        guard case .success(let (fd, size)) = opened else {
            if case .failure(let error) = opened {
                Log.error("plugin:\(plugin)", "HTTP handler \(call.handler.prefix) named a file the host refuses to serve: \(error)")
            }
            return LinkResponses.plain(500, "Internal error")
        }
        var headers = headers
        headers.add("Accept-Ranges", "bytes")
        let range = status == 200 ? ByteRangeRequest(header: request.headers["Range"], length: size) : .whole
        switch range {
        case .whole:
            return HTTPResponse(status: status, headers: headers, file: HTTPFileBody(fd: fd, offset: 0, length: size))
        case .partial(let first, let last):
            headers.add("Content-Range", "bytes \(first)-\(last)/\(size)")
            return HTTPResponse(status: 206, headers: headers, file: HTTPFileBody(fd: fd, offset: first, length: last - first + 1))
        case .unsatisfiable:
            close(fd)
            var refusal = LinkResponses.plain(416, "Range not satisfiable")
            refusal.headers.add("Content-Range", "bytes */\(size)")
            return refusal
        }
    }

    private func audit(_ link: LinkRecord, request: HTTPRequest, status: Int, bytes: Int64, requestID: String?, started: UInt64,
                       extra: JSONObject) {
        var details: JSONObject = ["link_id": .string(link.id), "created_by": .string(link.createdBy), "status": .int(Int64(status)),
                                   "bytes": .int(bytes), "method": .string(request.method)]
        if let range = request.headers["Range"], range.utf8.count <= 100 { details["range"] = .string(range) }
        for (key, value) in extra.members { details[key] = value }
        let micros = Int64((Clock.monotonicNanoseconds() - started) / 1000)
        events?.recordLink(.used, link, requestID: requestID, outcome: status < 400 ? .ok : status == 410 ? .denied : .error,
                           client: request.remoteAddress, durationMicros: micros, details: .object(details))
    }
}
