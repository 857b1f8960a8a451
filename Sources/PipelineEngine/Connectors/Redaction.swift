// Keeps credentials out of every message a connector throws. Drivers sometimes echo what they
// were given (a connection string, a failed parameter), so messages are scrubbed before they
// leave the connector, whatever their origin.

public enum Redaction {
    public static let placeholder = "[redacted]"

    /// `message` with every occurrence of each secret replaced by "[redacted]". Empty secrets are
    /// ignored (replacing "" would be meaningless); longer secrets go first so a secret that
    /// contains another is scrubbed whole.
    public static func redact(_ message: String, secrets: [String]) -> String {
        var result = message
        for secret in secrets.filter({ !$0.isEmpty }).sorted(by: { $0.count > $1.count }) {
            result = result.replacing(secret, with: placeholder)
        }
        return result
    }
}

extension Redaction {
    /// Runs `body`; an error escaping it comes out as an `EngineError` with the secrets scrubbed.
    /// Connectors wrap their public entry points in it so no path (including ones added later)
    /// can throw a credential.
    static func scrubbing<T>(_ secrets: [String], _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as EngineError {
            var scrubbed = error
            scrubbed.message = redact(error.message, secrets: secrets)
            scrubbed.component = error.component.map { redact($0, secrets: secrets) }
            throw scrubbed
        } catch {
            throw EngineError(redact("\(error)", secrets: secrets))
        }
    }
}
