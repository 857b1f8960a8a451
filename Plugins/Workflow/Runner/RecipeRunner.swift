import Foundation
import JSON
import ToolsetKit

/// Runs a recipe run: its steps in order, each recorded (status, output, error, times) as it
/// goes, stopping at the first failure (the rest are skipped) or when the run is cancelled.
let recipeRunJob = Job(kind: "workflow.run", toolset: "workflow",
                       limits: JobLimits(maxConcurrency: 2, timeoutSeconds: 900, maxAttempts: 2, retryDelaySeconds: 2)) { job in
    guard let runID = job.payload["run_id"]?.stringValue else { throw InternalError("workflow.run job without run_id") }
    try RecipeRunner(job: job, runID: runID).run()
    return ["run_id": .string(runID)]
}

struct RecipeRunner {
    let job: JobRun
    let runID: String

    /// The store at this moment (each step's times are its own).
    private func store() throws -> WorkflowStore { WorkflowStore(try job.database, now: job.nowMilliseconds) }

    func run() throws {
        guard let run = try store().run(id: runID), !run.status.isFinished else { return }
        try store().setRunStatus(run, .running)
        var context: JSONObject = ["inputs": run.inputs, "steps": .object(JSONObject())]
        for record in try store().steps(of: run) {
            let step = run.steps.indices.contains(record.position - 1) ? run.steps[record.position - 1] : nil
            switch record.status {
            case .succeeded:
                remember(record.name, output: record.output, in: &context)
                continue
            case .running:
                // The daemon stopped while this step ran. It may already have taken effect (a card
                // added, a request sent), so it is not repeated: the run fails and says why.
                return try fail(run, at: record, "interrupted by a restart while running; not repeated because it may already have taken effect")
            case .failed, .skipped:
                return
            case .pending:
                break
            }
            if job.isCancelled {
                try store().skipRemainingSteps(run)
                return try store().setRunStatus(run, .cancelled, error: "cancelled before step \(record.name)")
            }
            guard let step else { return try fail(run, at: record, "the run's copy of the recipe has no step \(record.position)") }
            try store().startStep(run, position: record.position)
            do {
                let output = try execute(step, context: .object(context))
                try store().finishStep(run, position: record.position, status: .succeeded, output: output, error: nil)
                remember(record.name, output: output, in: &context)
            } catch let error as ToolError {
                return try fail(run, at: record, error.message)
            }
        }
        try store().setRunStatus(run, .succeeded)
    }

    private func remember(_ name: String, output: JSONValue, in context: inout JSONObject) {
        var steps = context["steps"]?.objectValue ?? JSONObject()
        steps[name] = ["output": output]
        context["steps"] = .object(steps)
    }

    private func fail(_ run: Run, at record: StepRecord, _ message: String) throws {
        let store = try store()
        try store.finishStep(run, position: record.position, status: .failed, output: nil, error: message)
        try store.skipRemainingSteps(run)
        try store.setRunStatus(run, .failed, error: "step \(record.name): \(message)")
    }

    /// The step's output, or a ToolError with what went wrong.
    private func execute(_ step: RecipeStep, context: JSONValue) throws -> JSONValue {
        switch step.type {
        case .tool: return try callTool(step, context: context)
        case .http: return try sendHTTP(step, context: context)
        }
    }

    private func callTool(_ step: RecipeStep, context: JSONValue) throws -> JSONValue {
        let arguments = try Template.fill(step.arguments, context, step: step.name)
        let outcome: ToolCallOutcome
        do { outcome = try job.callTool(step.tool ?? "", arguments: arguments) } catch { throw ToolError(error.message) }
        switch outcome {
        case .refused(_, let message, _):
            throw ToolError(message)
        case .result(let result):
            let text = (result["content"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
            if result["isError"]?.boolValue == true { throw ToolError(text.isEmpty ? "\(step.tool ?? "the tool") reported an error" : text) }
            return bounded(result["structuredContent"] ?? ["text": .string(text)])
        }
    }

    private func sendHTTP(_ step: RecipeStep, context: JSONValue) throws -> JSONValue {
        let urlText = try Template.fill(.string(step.url ?? ""), context, step: step.name).stringValue ?? ""
        guard let url = URL(string: urlText), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw ToolError("\"\(urlText)\" is not an http or https URL")
        }
        let headers = try Template.fill(.object(step.headers), context, step: step.name).objectValue?.members
            .map { ($0.key, $0.value.stringValue ?? $0.value.jsonString) } ?? []
        let body = try step.body.map { value throws(ToolError) in try Template.fill(value, context, step: step.name) }
        let answer = try HTTPStep(method: step.method, url: url, headers: headers, body: body, timeoutSeconds: step.timeoutSeconds,
                                  retries: step.retries).send { job.isCancelled }
        return bounded(["status": .int(Int64(answer.status)), "body": answer.body])
    }

    /// Outputs are kept in the run's history; a huge one is replaced by a note saying so.
    private func bounded(_ output: JSONValue) -> JSONValue {
        let size = output.serialized().count
        return size <= Limits.stepOutputBytes ? output : ["truncated": true, "bytes": .int(Int64(size))]
    }
}
