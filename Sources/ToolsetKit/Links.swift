import Foundation
import JSON
import PluginABI
import SQLite

// ABI 1.2 HTTP handlers, signed links and files for Swift toolsets (header section 11):
//
//     HTTPHandler(path: "download") { request in
//         guard let name = request.claims["file"]?.stringValue else { return .body(status: 404, "no file") }
//         return .file(try request.filesFolder() + "/" + name, downloadName: name)   // streamed by the host
//     }
//     // in a tool:
//     let link = try call.signLink(LinkRequest(path: "download/report", claims: ["file": "report.pdf"], singleUse: true))
//
// The host verifies every link (signature, expiry, revocation, single use) before a handler runs.

/// What an HTTP handler answers.
public enum HTTPAnswer: Sendable {
    /// A small answer (at most 1 MiB).
    case body(status: Int = 200, contentType: String = "text/plain; charset=utf-8", [UInt8])
    /// A file inside this tenant's files folder, streamed by the host (Range, HEAD), never through
    /// plugin memory; `downloadName` sets Content-Disposition.
    case file(String, contentType: String? = nil, downloadName: String? = nil)

    public static func body(status: Int = 200, contentType: String = "text/plain; charset=utf-8", _ text: String) -> HTTPAnswer {
        .body(status: status, contentType: contentType, Array(text.utf8))
    }
}

public typealias HTTPHandlerFunction = @Sendable (HTTPRequest) throws -> HTTPAnswer

/// A handler for links under /{tenant}/x/{plugin}/{path}/….
public struct HTTPHandler: Sendable {
    public let path: String
    public let handler: HTTPHandlerFunction

    public init(path: String, handler: @escaping HTTPHandlerFunction) {
        self.path = path
        self.handler = handler
    }
}

/// One request through a verified link. Valid only while the handler runs.
public final class HTTPRequest {
    public let tenant: String
    public let method: String
    /// The path after the handler's prefix ("" for the prefix itself).
    public let path: String
    /// The query string minus the link's own parameters; NOT signed.
    public let query: String
    /// The claims the link was signed with (kept by the host, never in the URL).
    public let claims: JSONObject
    public let linkID: String
    public let createdBy: String
    public let requestID: String
    let services: CallServices
    private var lease: DatabaseLease

    init(reading pointer: UnsafePointer<th_http_context>?) {
        tenant = loadString(pointer, \.tenant) ?? ""
        method = loadString(pointer, \.method) ?? "GET"
        path = loadString(pointer, \.path) ?? ""
        query = loadString(pointer, \.query) ?? ""
        claims = loadJSON(pointer, \.claims_json)?.objectValue ?? JSONObject()
        linkID = loadString(pointer, \.link_id) ?? ""
        createdBy = loadString(pointer, \.created_by) ?? ""
        requestID = loadString(pointer, \.request_id) ?? ""
        services = CallServices(handle: pointer.flatMap { loadField($0, \.call_handle) } ?? nil)
        lease = DatabaseLease(handle: loadDatabaseHandle(pointer, \.db), holder: "http")
    }

    /// The (tenant, plugin) database leased to this request.
    public var database: Database {
        get throws { try lease.database() }
    }

    func endLease() { lease.end() }

    /// This tenant's private files folder (created 0700 on first use).
    public func filesFolder() throws(JobServiceError) -> String { try services.filesFolder() }

    /// Wall-clock milliseconds since the Unix epoch, from the host (as for a tool call).
    public var nowMilliseconds: Int64 { HostAPI.nowMilliseconds() }
}

/// A link to sign for the current call's tenant.
public struct LinkRequest: Sendable {
    public var path: String
    public var claims: JSONObject
    /// 1 s … 30 days; nil = one day.
    public var expiresInSeconds: Int?
    public var singleUse: Bool

    public init(path: String, claims: JSONObject = JSONObject(), expiresInSeconds: Int? = nil, singleUse: Bool = false) {
        self.path = path
        self.claims = claims
        self.expiresInSeconds = expiresInSeconds
        self.singleUse = singleUse
    }
}

/// A signed link: its absolute URL (when the host knows its public URL) and its id for revoking.
public struct SignedLink: Sendable, Equatable {
    public let url: String
    public let id: String
}

extension ToolCall {
    public func signLink(_ request: LinkRequest) throws(JobServiceError) -> SignedLink { try services.signLink(request) }
    public func revokeLink(_ id: String) throws(JobServiceError) { try services.revokeLink(id) }
    /// This tenant's private files folder (created 0700 on first use).
    public func filesFolder() throws(JobServiceError) -> String { try services.filesFolder() }
}

extension JobRun {
    public func signLink(_ request: LinkRequest) throws(JobServiceError) -> SignedLink { try services.signLink(request) }
    public func filesFolder() throws(JobServiceError) -> String { try services.filesFolder() }
}

extension OperatorContext {
    public func signLink(_ request: LinkRequest) throws(JobServiceError) -> SignedLink { try services.signLink(request) }
    public func revokeLink(_ id: String) throws(JobServiceError) { try services.revokeLink(id) }
    public func filesFolder() throws(JobServiceError) -> String { try services.filesFolder() }
}

extension CallServices {
    func signLink(_ request: LinkRequest) throws(JobServiceError) -> SignedLink {
        let table = try hostTable()
        guard let sign = table.sign_link else { throw JobServiceError(status: TH_UNSUPPORTED, message: "sign_link is not provided (ABI 1.2 links)") }
        var url = [CChar](repeating: 0, count: Int(TH_LINK_URL_SIZE))
        var id = [CChar](repeating: 0, count: Int(TH_LINK_ID_SIZE))
        let claims = JSONValue.object(request.claims).jsonString
        let status = request.path.withCString { path in
            claims.withCString { claimsText in
                var c = th_link_request()
                c.struct_size = UInt32(MemoryLayout<th_link_request>.size)
                c.path = path
                c.claims_json = claimsText
                c.expires_in_seconds = Int64(request.expiresInSeconds ?? 0)
                c.single_use = request.singleUse ? 1 : 0
                return sign(table.host, handle, &c, &url, url.count, &id, id.count)
            }
        }
        guard status == TH_OK else {
            throw JobServiceError(status: status, message: "the host refused to sign a link to \(request.path) (status \(status.rawValue); its log says why)")
        }
        return SignedLink(url: Self.text(url), id: Self.text(id))
    }

    func revokeLink(_ id: String) throws(JobServiceError) {
        let table = try hostTable()
        guard let revoke = table.revoke_link else { throw JobServiceError(status: TH_UNSUPPORTED, message: "revoke_link is not provided") }
        let status = revoke(table.host, handle, id)
        guard status == TH_OK else { throw JobServiceError(status: status, message: "the host refused to revoke link \(id) (status \(status.rawValue))") }
    }

    func filesFolder() throws(JobServiceError) -> String {
        let table = try hostTable()
        guard let folder = table.files_folder, let path = folder(table.host, handle) else {
            throw JobServiceError(status: TH_UNSUPPORTED, message: "files_folder is not provided or failed")
        }
        return String(cString: path)
    }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
