// The OAuth records: operator accounts, registered clients, pending authorizations, authorization codes.
import JSON

struct UserRecord {
    let id: String
    let tenant: String
    let email: String
    let role: String
    let passwordHash: String
}

struct OAuthClient {
    let clientID: String
    let name: String
    let redirectURIs: [String]
    let metadata: JSONValue
    let createdMs: Int64
}

/// An authorization in progress: between GET /oauth/authorize and the consent decision.
struct PendingAuthorization {
    let id: String
    let browserHash: [UInt8]
    let csrf: String
    let clientID: String
    let tenant: String
    let redirectURI: String
    let state: String?
    let codeChallenge: String
    let scopes: [String]
    let resource: String
    var userID: String?
    let expiresMs: Int64
}

struct AuthorizationCode {
    let clientID: String
    let tenant: String
    let userID: String
    let redirectURI: String
    let codeChallenge: String
    let scopes: [String]
    let resource: String
    let expiresMs: Int64
    let usedMs: Int64?
    let grantID: String?
}
