import ToolsetKit

// Work that may take longer than a tool call should: a background job (ABI 1.2, header section 8).
// `count_words` enqueues it and answers at once with the job id; the host runs the job on its own
// threads (at least once: it may run again after a restart, so it only ever writes its own row,
// keyed by its job id); `word_count` reads what it found.

let wordCountJob = Job(kind: "word_count", toolset: "swift_notes", limits: JobLimits(maxAttempts: 3, retryDelaySeconds: 1)) { run in
    let database = try run.database
    let bodies = try database.query("SELECT title || ' ' || body FROM notes") { $0.string(0) }
    let words = bodies.reduce(0) { total, text in
        total + text.split(whereSeparator: { $0.isWhitespace }).count
    }
    // INSERT OR REPLACE keyed by the job id: a second delivery of the same job writes the same row.
    try database.run("INSERT OR REPLACE INTO word_counts (job_id, notes, words, counted_ms) VALUES (?, ?, ?, ?)",
                     [.text(run.jobID), .int(Int64(bodies.count)), .int(Int64(words)), .int(run.nowMilliseconds)])
    return ["notes": .int(Int64(bodies.count)), "words": .int(Int64(words))]
}

let countWordsTool = Tool(
    name: "count_words",
    title: "Count the words of every note",
    description: "Starts counting in the background and returns the job id at once; word_count shows the result.",
    output: .object(properties: ["job_id": .string()], required: ["job_id"]),
    annotations: [.notReadOnly, .notDestructive, .idempotent, .closedWorld]
) { call in
    let id: String
    do { id = try call.enqueue(JobRequest(kind: "word_count")) } catch {
        throw InternalError("could not start the count: \(error)")
    }
    return .structured(["job_id": .string(id)], text: "Counting in the background (job \(id)); ask word_count in a moment.")
}

let wordCountTool = Tool(
    name: "word_count",
    title: "The latest word count",
    description: "What the most recent count_words job found, or an error if none has finished yet.",
    output: .object(properties: ["job_id": .string(), "notes": .integer(), "words": .integer()], required: ["job_id", "notes", "words"]),
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let latest = try call.database.queryOne("SELECT job_id, notes, words FROM word_counts ORDER BY counted_ms DESC, rowid DESC LIMIT 1") { row in
        (job: row.string(0), notes: row.int64(1), words: row.int64(2))
    }
    guard let latest else { throw ToolError("No count has finished yet; call count_words, then ask again in a moment.") }
    return .structured(["job_id": .string(latest.job), "notes": .int(latest.notes), "words": .int(latest.words)],
                       text: "\(latest.words) words in \(latest.notes) notes")
}
