// Storing a validated Client ID Metadata Document as a row of oauth_clients.
import Foundation
import JSON

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
