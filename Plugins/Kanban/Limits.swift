/// Sizes every input is held to: each text has a length, each list a cap, so no single call can
/// make the host do unbounded work or fill a board with one request.
enum Limits {
    static let title = 200
    static let description = 10_000
    static let labels = 20
    static let label = 50
    static let assignee = 100
    static let query = 200
    static let projectName = 100
    static let slug = 40
    static let columnName = 50
    static let columnsPerProject = 20
    /// Active cards in one column: positions are renumbered on insert, so a column stays cheap to shift.
    static let cardsPerColumn = 10_000
    static let pageDefault = 25
    static let pageMax = 100
    static let operatorListDefault = 500
    static let operatorListMax = 10_000
    static let preview = 60
}
