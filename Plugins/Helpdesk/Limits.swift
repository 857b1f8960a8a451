import ToolsetKit

/// Sizes every input and queue is held to: each list has a page cap, each text a length, each
/// queue a bound, so no single call can make the host do unbounded work.
enum Limits {
    static let content = 20_000
    static let subject = 300
    static let name = 200
    static let email = 254
    static let phone = 40
    static let attributes = 50
    static let attributeValue = 1_000
    static let label = 64
    static let query = 200
    static let pageDefault = 25
    static let pageMax = 100
    static let messagesDefault = 50
    static let eventsDefault = 50
    static let eventsMax = 200
    static let preview = 140
    /// Pending drafts per conversation: a bot that drafts in a loop fills its own queue, not the team's day.
    static let pendingDraftsPerConversation = 20
    static let defaultMaxPendingDrafts = 500
    static let defaultEventRetentionDays = 7.0
}

/// Deployer settings, from the plugin's object in toolhost.json (`"plugins": {"helpdesk": {…}}`).
struct HelpdeskSettings {
    /// Pending drafts a tenant may hold at once (`max_pending_drafts`).
    let maxPendingDrafts: Int
    /// How long the events feed keeps events (`event_retention_days`, may be fractional).
    let eventRetentionMs: Int64

    init(_ configuration: JSONObject) {
        if let value = configuration["max_pending_drafts"]?.intValue, value > 0, let int = Int(exactly: value) {
            maxPendingDrafts = int
        } else {
            maxPendingDrafts = Limits.defaultMaxPendingDrafts
        }
        let days = configuration["event_retention_days"]?.doubleValue.flatMap { $0 > 0 ? $0 : nil } ?? Limits.defaultEventRetentionDays
        eventRetentionMs = Int64(days * 86_400_000)
    }

    var retentionText: String {
        let days = Double(eventRetentionMs) / 86_400_000
        if days >= 1, days == days.rounded() { return "\(Int(days)) day\(days == 1 ? "" : "s")" }
        let seconds = Double(eventRetentionMs) / 1000
        return seconds >= 3600 ? "\(Int(seconds / 3600)) hours" : "\(Int(seconds)) seconds"
    }
}
