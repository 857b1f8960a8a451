// Client ID Metadata Documents: the document's validation, its error type, and how a cached
// document client is recognised.
import Foundation
import JSON

/// Client ID Metadata Documents: a `client_id` that is an https URL with a path names a JSON
/// document the client publishes about itself. The authorization server fetches it (SSRF-guarded:
/// https only, public addresses only, no redirects, 5 s, at most 64 KiB), checks that its
/// `client_id` equals the URL, and caches the validated document in `oauth_clients` for an hour.
enum ClientMetadataDocument {
    static let cacheLifetimeMs: Int64 = 3_600_000
    static let metadataMarker = "client_id_metadata_document"

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
