import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import JSON
import Locking
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
        let done = DispatchSemaphore(value: 0)
        let outcome = Locked<Result<Answer, NoAnswer>>(.failure(NoAnswer(reason: "no answer")))
        let task = HTTPStep.session.dataTask(with: request) { data, response, error in
            if let error {
                outcome.withLock { $0 = .failure(NoAnswer(reason: error.localizedDescription)) }
            } else if let response = response as? HTTPURLResponse {
                let bytes = [UInt8]((data ?? Data()).prefix(Limits.httpBodyBytes))
                let body = (try? JSONParser.parse(bytes)) ?? .string(String(decoding: bytes, as: UTF8.self))
                outcome.withLock { $0 = .success(Answer(status: response.statusCode, body: body)) }
            }
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + timeoutSeconds + 5) == .timedOut {
            task.cancel()
            return .failure(NoAnswer(reason: "no answer within \(Int(timeoutSeconds)) s"))
        }
        return outcome.withLock { $0 }
    }

    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        return URLSession(configuration: configuration)
    }()

    private func preview(_ body: JSONValue) -> String {
        let text = body.stringValue ?? body.jsonString
        return text.count > 200 ? String(text.prefix(199)) + "…" : text
    }
}
