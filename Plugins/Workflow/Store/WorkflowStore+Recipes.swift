import JSON
import SQLite
import ToolsetKit

extension WorkflowStore {
    private static let recipeColumns = "seq, id, name, description, input_schema, steps, enabled, created_ms, updated_ms"

    /// Rows were checked when written; a row that no longer parses (hand-edited) has no steps and fails its runs clearly.
    private static func recipe(_ row: Row) -> Recipe {
        Recipe(seq: row.int64(0), id: row.string(1), name: row.string(2), description: row.string(3), inputSchema: JSONValue(storedText: row.string(4)),
               steps: (try? RecipeStep.parseList(JSONValue(storedText: row.string(5)))) ?? [], enabled: row.int(6) != 0,
               createdMs: row.int64(7), updatedMs: row.int64(8))
    }

    /// By id or by name.
    func recipe(_ idOrName: String) throws -> Recipe? {
        try database.queryOne("SELECT \(Self.recipeColumns) FROM recipes WHERE id = ?1 OR name = ?1", [.text(idOrName)], Self.recipe)
    }

    func recipes(includeDisabled: Bool, after: Int64?, limit: Int) throws -> [Recipe] {
        try database.query("SELECT \(Self.recipeColumns) FROM recipes WHERE seq > ? \(includeDisabled ? "" : "AND enabled = 1") ORDER BY seq LIMIT ?",
                           [.int(after ?? 0), .int(Int64(limit))], Self.recipe)
    }

    func saveRecipe(name: String, description: String, inputSchema: JSONValue, steps: [RecipeStep], by operatorName: String) throws -> (Recipe, created: Bool) {
        let stepsJSON = JSONValue.array(steps.map(\.json)).jsonString
        if let existing = try recipe(name) {
            try database.run("UPDATE recipes SET description = ?, input_schema = ?, steps = ?, updated_ms = ? WHERE seq = ?",
                             [.text(description), .text(inputSchema.jsonString), .text(stepsJSON), .int(now), .int(existing.seq)])
            return (try recipe(existing.id) ?? existing, false)
        }
        let id = randomID("rcp_")
        try database.run("""
            INSERT INTO recipes (id, name, description, input_schema, steps, created_by, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(id), .text(name), .text(description), .text(inputSchema.jsonString), .text(stepsJSON), .text(operatorName), .int(now), .int(now)])
        guard let recipe = try recipe(id) else { throw InternalError("recipe \(id) vanished") }
        return (recipe, true)
    }

    func setRecipeEnabled(_ recipe: Recipe, _ enabled: Bool) throws {
        try database.run("UPDATE recipes SET enabled = ?, updated_ms = ? WHERE seq = ?", [SQLValue(enabled), .int(now), .int(recipe.seq)])
    }
}
