// The authorization server's use of Client ID Metadata Documents: fetch, validate and cache a
// URL client_id's document before the authorize and token endpoints look the client up.
import Foundation

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
