import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Glibc
import JSON

/// Client ID Metadata Documents: a `client_id` that is an https URL with a path names a JSON
/// document the client publishes about itself. The authorization server fetches it (SSRF-guarded:
/// https only, public addresses only, no redirects, 5 s, at most 64 KiB), checks that its
/// `client_id` equals the URL, and caches the validated document in `oauth_clients` for an hour.
enum ClientMetadataDocument {
    static let maxBytes = 64 * 1024
    static let timeoutSeconds: TimeInterval = 5
    static let cacheLifetimeMs: Int64 = 3_600_000
    static let metadataMarker = "client_id_metadata_document"

    /// Whether a client_id is meant as a metadata document URL (DCR ids are `thc_…`).
    static func isURL(_ clientID: String) -> Bool {
        let lower = clientID.lowercased()
        return lower.hasPrefix("https://") || lower.hasPrefix("http://")
    }

    struct Target {
        let url: URL
        let scheme: String
        let host: String
        let port: Int?
    }

    /// Checks the shape of the URL: https with a path (or, with the development allowance,
    /// http on a loopback host), no credentials, no fragment.
    static func target(_ text: String, allowLoopback: Bool) throws(CIMDError) -> Target {
        guard text.utf8.count <= 2048, let components = URLComponents(string: text), let url = URL(string: text),
              let scheme = components.scheme?.lowercased(), var host = components.host?.lowercased(), !host.isEmpty
        else { throw CIMDError("the client_id is not a valid URL") }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard components.user == nil, components.password == nil else { throw CIMDError("the client_id URL must not contain credentials") }
        guard components.fragment == nil else { throw CIMDError("the client_id URL must not contain a fragment") }
        guard !components.percentEncodedPath.isEmpty, components.percentEncodedPath != "/" else {
            throw CIMDError("the client_id URL must have a path (the location of the client metadata document)")
        }
        switch scheme {
        case "https": break
        case "http":
            guard allowLoopback, ["127.0.0.1", "localhost", "::1"].contains(host) else {
                throw CIMDError("client metadata documents must be served over https")
            }
        default: throw CIMDError("client metadata documents must be served over https")
        }
        return Target(url: url, scheme: scheme, host: host, port: components.port)
    }

    /// Resolves the host and refuses any address that is not public unicast (loopback too,
    /// unless allowed). Returns the checked addresses; nothing has been sent to them yet.
    static func checkedAddresses(_ target: Target, allowLoopback: Bool) throws(CIMDError) -> [String] {
        let addresses = NetworkAddress.resolve(target.host)
        guard !addresses.isEmpty else { throw CIMDError("the host \(target.host) of the client metadata document could not be resolved") }
        for address in addresses {
            guard let bytes = NetworkAddress.parse(address) else { throw CIMDError("the host \(target.host) resolved to an unreadable address") }
            let kind = NetworkAddress.classify(bytes)
            if kind == .publicUnicast || (allowLoopback && kind == .loopback) { continue }
            throw CIMDError("the host \(target.host) resolves to \(address), a \(kind.description) address; Toolhost does not fetch client metadata documents from such addresses")
        }
        return addresses
    }

    /// Fetches the document: no redirects, a 5-second timeout, at most 64 KiB. For http (the
    /// loopback development allowance) the connection goes to the checked address itself, with
    /// the original Host header; for https the host is resolved again afterwards and must still pass.
    static func fetch(_ text: String, allowLoopback: Bool) throws(CIMDError) -> [UInt8] {
        let target = try target(text, allowLoopback: allowLoopback)
        let addresses = try checkedAddresses(target, allowLoopback: allowLoopback)
        var request: URLRequest
        if target.scheme == "http", var components = URLComponents(url: target.url, resolvingAgainstBaseURL: false) {
            let pinned = addresses.first { !$0.contains(":") } ?? addresses[0]
            components.host = pinned.contains(":") ? "[" + pinned + "]" : pinned
            guard let url = components.url else { throw CIMDError("the client_id is not a valid URL") }
            request = URLRequest(url: url)
            request.setValue(target.host.contains(":") ? "[\(target.host)]" : target.host + (target.port.map { ":\($0)" } ?? ""),
                             forHTTPHeaderField: "Host")
        } else {
            request = URLRequest(url: target.url)
        }
        request.timeoutInterval = timeoutSeconds
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue("Toolhost", forHTTPHeaderField: "User-Agent")
        let body = try MetadataFetch.run(request)
        if target.scheme == "https" {
            // DNS may have changed between the check and the connection: the host must still only resolve to allowed addresses.
            _ = try checkedAddresses(target, allowLoopback: allowLoopback)
        }
        return body
    }

    /// Validates a fetched document for `clientID`; returns the client to cache.
    static func validate(_ body: [UInt8], clientID: String, now: Int64) throws(CIMDError) -> OAuthClient {
        guard let parsed = try? JSONParser.parse(body), case .object(let doc) = parsed else {
            throw CIMDError("the client metadata document is not a JSON object")
        }
        guard let documentID = doc["client_id"]?.stringValue else { throw CIMDError("the client metadata document has no client_id") }
        guard documentID == clientID else { throw CIMDError("the client metadata document's client_id does not equal its URL") }
        guard doc["client_secret"] == nil, doc["client_secret_expires_at"] == nil else {
            throw CIMDError("the client metadata document must not contain a client secret")
        }
        if let method = doc["token_endpoint_auth_method"] {
            guard method.stringValue == "none" else {
                throw CIMDError("the client metadata document's token_endpoint_auth_method must be \"none\" (only public clients are supported)")
            }
        }
        guard let uris = doc["redirect_uris"]?.arrayValue, !uris.isEmpty else {
            throw CIMDError("the client metadata document's redirect_uris must be a non-empty array")
        }
        var redirectURIs: [String] = []
        for value in uris {
            guard let uri = value.stringValue, RedirectURI.isAcceptable(uri) else {
                throw CIMDError("the client metadata document lists a redirect URI that is neither https nor http on a loopback host: \(value.jsonString)")
            }
            redirectURIs.append(uri)
        }
        if let grants = doc["grant_types"]?.arrayValue?.compactMap(\.stringValue),
           let unsupported = grants.first(where: { !["authorization_code", "refresh_token"].contains($0) }) {
            throw CIMDError("the client metadata document asks for the unsupported grant type \(unsupported)")
        }
        if let types = doc["response_types"]?.arrayValue?.compactMap(\.stringValue), let unsupported = types.first(where: { $0 != "code" }) {
            throw CIMDError("the client metadata document asks for the unsupported response type \(unsupported)")
        }
        var name = doc["client_name"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard name.count <= 200 else { throw CIMDError("the client metadata document's client_name is longer than 200 characters") }
        if name.isEmpty { name = URLComponents(string: clientID)?.host ?? clientID }
        var stored = JSONObject()
        for key in ["client_uri", "logo_uri", "scope", "software_id", "software_version", "application_type"] {
            if let value = doc[key]?.stringValue { stored[key] = .string(value) }
        }
        stored[metadataMarker] = true
        stored["fetched_ms"] = .int(now)
        return OAuthClient(clientID: clientID, name: name, redirectURIs: redirectURIs, metadata: .object(stored), createdMs: now)
    }
}

struct CIMDError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

extension OAuthClient {
    var isMetadataDocument: Bool { metadata[ClientMetadataDocument.metadataMarker]?.boolValue == true }
    var fetchedMs: Int64 { metadata["fetched_ms"]?.intValue ?? createdMs }
}

extension AuthorizationServer {
    /// For a URL client_id: makes sure a validated copy of its metadata document, fetched within
    /// the last hour, is in the clients table. Returns what is wrong, or nil. Never holds a
    /// database connection while fetching.
    func loadMetadataClient(_ clientID: String) -> String? {
        let now = Clock.nowMilliseconds()
        if let cached = try? stores.withResource({ try $0.client(id: clientID) }), cached.isMetadataDocument,
           now - cached.fetchedMs < ClientMetadataDocument.cacheLifetimeMs {
            return nil
        }
        do {
            let body = try ClientMetadataDocument.fetch(clientID, allowLoopback: settings.allowLoopbackClientMetadata)
            let client = try ClientMetadataDocument.validate(body, clientID: clientID, now: now)
            try stores.withResource { try $0.upsertMetadataClient(client) }
            Log.info("oauth", "fetched client metadata document \(clientID) (\"\(client.name)\")")
            return nil
        } catch let error as CIMDError {
            Log.warning("oauth", "client metadata document \(clientID): \(error.message)")
            return error.message
        } catch {
            Log.error("oauth", "could not store a client metadata document: \(error)")
            return "Toolhost could not store the client metadata document"
        }
    }
}

extension HostStore {
    /// A metadata-document client, keyed by its URL; a refetch replaces name, redirect URIs and metadata.
    func upsertMetadataClient(_ client: OAuthClient) throws {
        try database.run(
            """
            INSERT INTO oauth_clients (client_id, name, redirect_uris, metadata, created_ms) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(client_id) DO UPDATE SET name = excluded.name, redirect_uris = excluded.redirect_uris, metadata = excluded.metadata
            """,
            [.text(client.clientID), .text(client.name), .text(JSONValue.array(client.redirectURIs.map { .string($0) }).jsonString),
             .text(client.metadata.jsonString), .int(client.createdMs)])
    }
}

// MARK: Addresses

enum AddressKind: Equatable, CustomStringConvertible {
    case publicUnicast, loopback, privateNetwork, linkLocal, sharedAddressSpace, multicast, unspecified, reserved

    var description: String {
        switch self {
        case .publicUnicast: return "public"
        case .loopback: return "loopback"
        case .privateNetwork: return "private"
        case .linkLocal: return "link-local"
        case .sharedAddressSpace: return "shared (CGNAT)"
        case .multicast: return "multicast"
        case .unspecified: return "unspecified"
        case .reserved: return "reserved"
        }
    }
}

enum NetworkAddress {
    /// 4 bytes for IPv4, 16 for IPv6, nil if the text is neither.
    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    static func classify(_ bytes: [UInt8]) -> AddressKind {
        if bytes.count == 4 { return classifyV4(bytes[0], bytes[1], bytes[2], bytes[3]) }
        guard bytes.count == 16 else { return .reserved }
        let b = bytes
        if b.allSatisfy({ $0 == 0 }) { return .unspecified }
        if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return .loopback }
        // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): the embedded IPv4 address decides.
        if b[0..<10].allSatisfy({ $0 == 0 }) && ((b[10] == 0xff && b[11] == 0xff) || (b[10] == 0 && b[11] == 0)) {
            return classifyV4(b[12], b[13], b[14], b[15])
        }
        // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address too.
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..<12].allSatisfy({ $0 == 0 }) {
            return classifyV4(b[12], b[13], b[14], b[15])
        }
        if b[0] == 0x20 && b[1] == 0x02 {
            let inner = classifyV4(b[2], b[3], b[4], b[5])
            if inner != .publicUnicast { return inner }
        }
        if b[0] == 0xff { return .multicast }
        if b[0] & 0xfe == 0xfc { return .privateNetwork }               // fc00::/7 unique local
        if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return .linkLocal }     // fe80::/10
        if b[0] == 0xfe && b[1] & 0xc0 == 0xc0 { return .privateNetwork } // fec0::/10 site-local (deprecated)
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 { return .reserved } // 2001:db8::/32 documentation
        if b[0] & 0xe0 != 0x20 { return .reserved }                       // outside 2000::/3 global unicast
        return .publicUnicast
    }

    static func classifyV4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> AddressKind {
        switch a {
        case 0: return .unspecified                                  // 0.0.0.0/8
        case 10: return .privateNetwork                              // 10/8
        case 127: return .loopback                                   // 127/8
        case 100 where b & 0xc0 == 64: return .sharedAddressSpace    // 100.64/10
        case 169 where b == 254: return .linkLocal                   // 169.254/16 (incl. 169.254.169.254)
        case 172 where b & 0xf0 == 16: return .privateNetwork        // 172.16/12
        case 192 where b == 168: return .privateNetwork              // 192.168/16
        case 192 where b == 0 && c == 0: return .reserved            // 192.0.0/24 protocol assignments
        case 198 where b & 0xfe == 18: return .reserved              // 198.18/15 benchmarking
        case 224...239: return .multicast                            // 224/4
        case 240...255: return .reserved                             // 240/4 and broadcast
        default: return .publicUnicast
        }
    }

    /// The host's addresses as text (numeric hosts are returned as they are, without a lookup).
    static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var out: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if let addr = entry.pointee.ai_addr,
               getnameinfo(addr, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                var text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) } // drop an IPv6 zone
                if !out.contains(text) { out.append(text) }
            }
            cursor = entry.pointee.ai_next
        }
        return out
    }
}

// MARK: Fetching

/// One bounded GET: redirects are refused, the body is cut off past 64 KiB, 5 seconds in all.
private final class MetadataFetch: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private var body: [UInt8] = []
    private var status = 0
    private var tooLarge = false
    private var failure: String?
    private let done = DispatchSemaphore(value: 0)

    /// Fetches block a worker for up to 5 s: at most this many run at once, so slow documents cannot occupy the pool.
    static let maxConcurrent = 4
    private static let slots = DispatchSemaphore(value: maxConcurrent)

    static func run(_ request: URLRequest) throws(CIMDError) -> [UInt8] {
        guard slots.wait(timeout: .now()) == .success else {
            throw CIMDError("too many client metadata documents are being fetched at the moment; try again shortly")
        }
        defer { slots.signal() }
        let fetch = MetadataFetch()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = ClientMetadataDocument.timeoutSeconds
        configuration.timeoutIntervalForResource = ClientMetadataDocument.timeoutSeconds
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        let session = URLSession(configuration: configuration, delegate: fetch, delegateQueue: nil)
        let task = session.dataTask(with: request)
        task.resume()
        if fetch.done.wait(timeout: .now() + ClientMetadataDocument.timeoutSeconds + 0.5) == .timedOut {
            task.cancel()
            session.invalidateAndCancel()
            throw CIMDError("fetching the client metadata document timed out after 5 seconds")
        }
        session.finishTasksAndInvalidate()
        fetch.lock.lock(); defer { fetch.lock.unlock() }
        if fetch.tooLarge { throw CIMDError("the client metadata document is larger than 64 KiB") }
        if let failure = fetch.failure { throw CIMDError("the client metadata document could not be fetched: \(failure)") }
        if (300..<400).contains(fetch.status) {
            throw CIMDError("the client metadata document URL answered with a redirect (HTTP \(fetch.status)); redirects are not followed")
        }
        guard fetch.status == 200 else { throw CIMDError("the client metadata document URL answered with HTTP \(fetch.status)") }
        return fetch.body
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void) {
        lock.lock()
        status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let declared = response.expectedContentLength
        if declared > Int64(ClientMetadataDocument.maxBytes) { tooLarge = true }
        let cancel = tooLarge
        lock.unlock()
        completionHandler(cancel ? .cancel : .allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.lock()
        body.append(contentsOf: data)
        let over = body.count > ClientMetadataDocument.maxBytes
        if over { tooLarge = true; body = [] }
        lock.unlock()
        if over { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.lock()
        if let error, !tooLarge { failure = error.localizedDescription }
        lock.unlock()
        done.signal()
    }
}
