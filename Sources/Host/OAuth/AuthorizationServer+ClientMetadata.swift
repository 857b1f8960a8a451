// The authorization server's use of Client ID Metadata Documents: fetch, validate and cache a
// URL client_id's document before the authorize and token endpoints look the client up.
import Foundation

/// Whether the page still has to make sure of a URL client_id's metadata document, or whoever
/// ran it did that already (PreAuthWork fetches on its fetch threads, then runs the page).
enum MetadataCheck: Sendable {
    /// Fetch it here if the cached copy is missing or stale (no pre-auth threads: inline).
    case load
    /// Done: nil, or what is wrong with the document.
    case done(problem: String?)
}

extension AuthorizationServer {
    /// What is wrong with `clientID`'s metadata document, or nil when the clients table holds a
    /// usable copy (fetching it first if `check` says so).
    func metadataProblem(_ clientID: String, _ check: MetadataCheck) -> String? {
        switch check {
        case .done(let problem): return problem
        case .load: return hasFreshMetadataClient(clientID) ? nil : fetchMetadataClient(clientID)
        }
    }

    /// A validated copy of the document, fetched within the last hour, is in the clients table.
    func hasFreshMetadataClient(_ clientID: String) -> Bool {
        guard let cached = try? stores.withResource({ try $0.client(id: clientID) }), cached.isMetadataDocument else { return false }
        return Clock.nowMilliseconds() - cached.fetchedMs < ClientMetadataDocument.cacheLifetimeMs
    }

    /// Fetches, validates and stores the document. Returns what is wrong, or nil. Blocks for up to
    /// 5 s on the network, so it runs on a fetch thread, never on a page or tool worker. Never holds
    /// a database connection while fetching.
    func fetchMetadataClient(_ clientID: String) -> String? {
        do {
            let body = try ClientMetadataDocument.fetch(clientID, allowLoopback: settings.allowLoopbackClientMetadata)
            let client = try ClientMetadataDocument.validate(body, clientID: clientID, now: Clock.nowMilliseconds())
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
