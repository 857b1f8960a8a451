// Dynamic client registration (RFC 7591): POST /oauth/register.
import Foundation
import HTTPServer
import JSON

/// Dynamic client registration (RFC 7591). Every client is public (`token_endpoint_auth_method`
/// "none", PKCE instead of a secret); redirect URIs must be https or http on a loopback host.
extension AuthorizationServer {
    func register(_ request: HTTPRequest) -> HTTPResponse {
        guard let body = try? JSONParser.parse(request.body), case .object(let metadata) = body else {
            return AuthorizationServer.error(400, "invalid_client_metadata", "The body must be a JSON object of client metadata (RFC 7591)")
        }
        guard let uris = metadata["redirect_uris"]?.arrayValue, !uris.isEmpty else {
            return AuthorizationServer.error(400, "invalid_redirect_uri", "redirect_uris must be a non-empty array")
        }
        var redirectURIs: [String] = []
        for value in uris {
            guard let uri = value.stringValue, RedirectURI.isAcceptable(uri) else {
                return AuthorizationServer.error(400, "invalid_redirect_uri",
                                                 "Redirect URIs must be https, or http on 127.0.0.1, localhost or [::1], without a fragment: \(value.jsonString)")
            }
            redirectURIs.append(uri)
        }
        let grantTypes = metadata["grant_types"]?.arrayValue?.compactMap(\.stringValue) ?? ["authorization_code", "refresh_token"]
        if let unsupported = grantTypes.first(where: { !["authorization_code", "refresh_token"].contains($0) }) {
            return AuthorizationServer.error(400, "invalid_client_metadata", "Unsupported grant type \(unsupported) (supported: authorization_code, refresh_token)")
        }
        let responseTypes = metadata["response_types"]?.arrayValue?.compactMap(\.stringValue) ?? ["code"]
        if let unsupported = responseTypes.first(where: { $0 != "code" }) {
            return AuthorizationServer.error(400, "invalid_client_metadata", "Unsupported response type \(unsupported) (supported: code)")
        }
        let name = metadata["client_name"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard name.count <= 200 else { return AuthorizationServer.error(400, "invalid_client_metadata", "client_name must be at most 200 characters") }
        let now = Clock.nowMilliseconds()
        var stored = JSONObject()
        for key in ["client_uri", "logo_uri", "scope", "software_id", "software_version", "application_type"] {
            if let value = metadata[key]?.stringValue { stored[key] = .string(value) }
        }
        let client = OAuthClient(clientID: "thc_" + Crypto.hex(Crypto.randomBytes(16)), name: name.isEmpty ? "MCP client" : name,
                                 redirectURIs: redirectURIs, metadata: .object(stored), createdMs: now)
        do {
            try stores.withResource { try $0.insertClient(client) }
        } catch {
            Log.error("oauth", "could not store a registered client: \(error)")
            return AuthorizationServer.error(500, "server_error", "Could not store the client registration")
        }
        Log.info("oauth", "registered client \(client.clientID) \"\(client.name)\"")
        var response = stored
        response["client_id"] = .string(client.clientID)
        response["client_id_issued_at"] = .int(now / 1000)
        response["client_name"] = .string(client.name)
        response["redirect_uris"] = .array(redirectURIs.map { .string($0) })
        response["grant_types"] = .array(grantTypes.map { .string($0) })
        response["response_types"] = .array(responseTypes.map { .string($0) })
        response["token_endpoint_auth_method"] = "none"
        return AuthorizationServer.json(201, .object(response))
    }
}
