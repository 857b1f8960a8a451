// Fetching a Client ID Metadata Document: the bounded GET (no redirects, 5 s, 64 KiB). How many
// run at once, and where, is PreAuthWork's business (its fetch threads and per-address limits).
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

extension ClientMetadataDocument {
    static let maxBytes = 64 * 1024
    static let timeoutSeconds: TimeInterval = 5

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
}

/// One bounded GET: redirects are refused, the body is cut off past 64 KiB, 5 seconds in all.
private final class MetadataFetch: NSObject, URLSessionDataDelegate, Sendable {
    /// What the delegate callbacks have seen so far.
    private struct Received {
        var body: [UInt8] = []
        var status = 0
        var tooLarge = false
        var failure: String?
    }

    private let received = Mutex(Received())
    private let done = DispatchSemaphore(value: 0)

    /// Blocks the calling thread for up to 5 s: a fetch thread of PreAuthWork, which bounds how
    /// many run at once (host-wide and per address).
    static func run(_ request: URLRequest) throws(CIMDError) -> [UInt8] {
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
        let received = fetch.received.withLock { $0 }
        if received.tooLarge { throw CIMDError("the client metadata document is larger than 64 KiB") }
        if let failure = received.failure { throw CIMDError("the client metadata document could not be fetched: \(failure)") }
        if (300..<400).contains(received.status) {
            throw CIMDError("the client metadata document URL answered with a redirect (HTTP \(received.status)); redirects are not followed")
        }
        guard received.status == 200 else { throw CIMDError("the client metadata document URL answered with HTTP \(received.status)") }
        return received.body
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void) {
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let declared = response.expectedContentLength
        let cancel = received.withLock { received in
            received.status = status
            if declared > Int64(ClientMetadataDocument.maxBytes) { received.tooLarge = true }
            return received.tooLarge
        }
        completionHandler(cancel ? .cancel : .allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let over = received.withLock { received in
            received.body.append(contentsOf: data)
            let over = received.body.count > ClientMetadataDocument.maxBytes
            if over { received.tooLarge = true; received.body = [] }
            return over
        }
        if over { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        received.withLock { received in
            guard let error, !received.tooLarge else { return }
            // URLSession's own 5 s timeout usually fires first: say so in words, not as error -1001.
            let timedOut = (error as? URLError)?.code == .timedOut || (error as NSError).code == NSURLErrorTimedOut
            received.failure = timedOut ? "it timed out after 5 seconds" : error.localizedDescription
        }
        done.signal()
    }
}
