import Foundation
import ToolsetKit

// The `knowledge` toolset: read-only, LIVE items only.

let searchKnowledgeTool = Tool(
    name: "search_knowledge",
    title: "Search knowledge",
    description: "Full-text search over the workspace's live knowledge items (drafts and hidden items are never returned). "
        + "Results are ranked by relevance (BM25; a match in the title counts most, then the summary, then the content) "
        + "and carry a snippet of the matching content. Pass next_cursor back as cursor for more.",
    input: .object(
        properties: [
            "query": .string(description: "Words to search for", minLength: 1, maxLength: 500),
            "category": .string(description: "Only items of this category (exact, case-insensitive)", maxLength: Limits.category),
            "limit": .integer(description: "Results per page, 1–50 (default 10)", minimum: 1, maximum: 50),
            "cursor": .string(description: "next_cursor of the previous page of the same search", maxLength: 200),
        ],
        required: ["query"]
    ),
    output: .object(
        properties: [
            "results": .array(of: .object(
                properties: [
                    "id": .string(description: "Knowledge item id"),
                    "title": .string(),
                    "summary": Schema.string().orNull,
                    "category": Schema.string().orNull,
                    "snippet": .string(description: "Matching part of the content, matches between ** **"),
                    "score": .number(description: "Relevance, higher is better"),
                    "updated_at": .string(format: "date-time"),
                ],
                required: ["id", "title", "summary", "category", "snippet", "score", "updated_at"])),
            "next_cursor": Schema.string(description: "Pass as cursor for the next page; null on the last page").orNull,
        ],
        required: ["results", "next_cursor"]
    ),
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let args = call.arguments
    let query = try args.string("query")
    let category = try Rules.category(try args.optionalString("category"))
    let limit = try args.optionalInt("limit") ?? 10
    guard (1...50).contains(limit) else { throw ToolError("\"limit\" must be between 1 and 50") }
    let fingerprint = PageCursor.fingerprint([query, category?.lowercased() ?? ""])
    var offset = 0
    if let cursor = try args.optionalString("cursor") {
        guard let text = PageCursor.decode(cursor), case let parts = text.split(separator: ":"), parts.count == 3, parts[0] == "s1",
              let value = Int(parts[1]), value >= 0, parts[2] == fingerprint else {
            throw ToolError("\"cursor\" is not a cursor of this search; pass next_cursor from the previous page unchanged, with the same query and category")
        }
        offset = value
    }
    guard let match = KnowledgeStore.matchExpression(query) else {
        throw ToolError("\"query\" has no words to search for")
    }
    let store = KnowledgeStore(try call.database)
    let hits = try store.search(match: match, category: category, offset: offset, limit: limit + 1)
    let page = hits.prefix(limit)
    let next: JSONValue = hits.count > limit ? .string(PageCursor.encode("s1:\(offset + limit):\(fingerprint)")) : .null
    let results: [JSONValue] = page.map { hit in
        [
            "id": .string(hit.item.id),
            "title": .string(hit.item.title),
            "summary": hit.item.summary.map { .string($0) } ?? .null,
            "category": hit.item.category.map { .string($0) } ?? .null,
            "snippet": .string(hit.snippet),
            "score": .double(-hit.score),
            "updated_at": .string(hit.item.updatedAt),
        ]
    }
    let text: String
    if results.isEmpty {
        text = offset == 0 ? "No live knowledge matches \"\(query)\"." : "No more results."
    } else {
        text = page.enumerated().map { index, hit in
            "\(offset + index + 1). \(hit.item.title) [\(hit.item.id)]\(hit.item.category.map { " (\($0))" } ?? "")\n   \(hit.snippet)"
        }.joined(separator: "\n") + (hits.count > limit ? "\n(more results: pass next_cursor)" : "")
    }
    return .structured(["results": .array(results), "next_cursor": next], text: text)
}

let listCategoriesTool = Tool(
    name: "list_categories",
    title: "List knowledge categories",
    description: "The categories of the workspace's live knowledge items, with how many live items each holds "
        + "(items without a category are counted under null).",
    input: .object(),
    output: .object(
        properties: [
            "categories": .array(of: .object(
                properties: ["category": Schema.string().orNull, "live_items": .integer(minimum: 0)],
                required: ["category", "live_items"])),
            "total_live_items": .integer(minimum: 0),
        ],
        required: ["categories", "total_live_items"]
    ),
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let categories = try KnowledgeStore(try call.database).categories()
    let total = categories.reduce(0) { $0 + $1.count }
    let json: JSONValue = [
        "categories": .array(categories.map { ["category": $0.name.map { .string($0) } ?? .null, "live_items": .int(Int64($0.count))] }),
        "total_live_items": .int(Int64(total)),
    ]
    let text = categories.isEmpty ? "No live knowledge yet."
        : categories.map { "\($0.name ?? "(uncategorized)"): \($0.count)" }.joined(separator: "\n")
    return .structured(json, text: text)
}
