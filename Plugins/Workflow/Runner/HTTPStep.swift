import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import JSON
import ToolsetKit

/// An http step: one request to the URL the operator wrote into the recipe, with a timeout per
/// attempt and retries (with growing pauses) for what retrying can fix: no connection, a timeout,
/// a 5xx or 429. A 4xx other than 429 fails at once: sending it again would not help.
struct HTTPStep {
    let method: String
    let url: URL
    let headers: [(String, String)]
    let body: JSONValue?
    let timeoutSeconds: Double
    let retries: Int

    struct Answer {
        let status: Int
        let body: JSONValue
    }

    /// Why one attempt got no answer (no connection, a timeout).
    struct NoAnswer: Error {
        let reason: String
    }

    /// The answer, or a ToolError saying what went wrong the last time. `isCancelled` is asked
    /// between attempts, so a cancelled run does not sit out its retries.
    func send(isCancelled: () -> Bool) throws(ToolError) -> Answer {
        var lastProblem = "no attempt was made"
        for attempt in 0...retries {
            if attempt > 0 {
                if isCancelled() { throw ToolError("cancelled after \(attempt) attempts (last: \(lastProblem))") }
                Thread.sleep(forTimeInterval: min(8, 0.5 * pow(2, Double(attempt - 1))))
            }
            switch once() {
            case .success(let answer) where (200..<300).contains(answer.status):
                return answer
            case .success(let answer) where answer.status == 429 || answer.status >= 500:
                lastProblem = "HTTP \(answer.status)"
            case .success(let answer):
                throw ToolError("\(method) \(url.host ?? "?") answered HTTP \(answer.status): \(preview(answer.body))")
            case .failure(let problem):
                lastProblem = problem.reason
            }
        }
        throw ToolError("\(method) \(url.host ?? "?") failed after \(retries + 1) attempt\(retries == 0 ? "" : "s"): \(lastProblem)")
    }

    private func once() -> Result<Answer, NoAnswer> {
        var request = URLRequest(url: url, timeoutInterval: timeoutSeconds)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body, method != "GET" {
            request.httpBody = Data(body.serialized())
            if request.value(forHTTPHeaderField: "Content-Type") == nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        }
        // A session per request: its delegate keeps at most httpBodyBytes of the answer and hangs up
        // on the rest, so a server that streams gigabytes costs the daemon one megabyte.
        let receiver = BoundedReceiver(limit: Limits.httpBodyBytes)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        let session = URLSession(configuration: configuration, delegate: receiver, delegateQueue: nil)
        defer { session.invalidateAndCancel() }
        session.dataTask(with: request).resume()
        guard receiver.done.wait(timeout: .now() + timeoutSeconds + 5) == .success else {
            return .failure(NoAnswer(reason: "no answer within \(Int(timeoutSeconds)) s"))
        }
        return receiver.outcome()
    }

    private func preview(_ body: JSONValue) -> String {
        let text = body.stringValue ?? body.jsonString
        return text.count > 200 ? String(text.prefix(199)) + "…" : text
    }
}

/// Collects one answer, keeping at most `limit` bytes of its body (then cancelling the transfer).
private final class BoundedReceiver: NSObject, URLSessionDataDelegate, @unchecked Sendable {  // state only under `lock`
    let done = DispatchSemaphore(value: 0)
    private let limit: Int
    private let lock = NSLock()
    private var status: Int?
    private var body: [UInt8] = []
    private var truncated = false
    private var problem: String?

    init(limit: Int) { self.limit = limit }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        lock.withLock { status = (response as? HTTPURLResponse)?.statusCode }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let full = lock.withLock { () -> Bool in
            body += data.prefix(limit - body.count)
            if body.count >= limit, data.count > 0 { truncated = true }
            return truncated
        }
        if full { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.withLock { if let error, !truncated { problem = error.localizedDescription } }
        done.signal()
    }

    func outcome() -> Result<HTTPStep.Answer, HTTPStep.NoAnswer> {
        lock.withLock {
            if let problem { return .failure(HTTPStep.NoAnswer(reason: problem)) }
            guard let status else { return .failure(HTTPStep.NoAnswer(reason: "no HTTP answer")) }
            var parsed = (try? JSONParser.parse(body)) ?? .string(String(decoding: body, as: UTF8.self))
            if truncated { parsed = ["truncated_to_bytes": .int(Int64(limit)), "start": .string(String(decoding: body.prefix(4096), as: UTF8.self))] }
            return .success(HTTPStep.Answer(status: status, body: parsed))
        }
    }
}
