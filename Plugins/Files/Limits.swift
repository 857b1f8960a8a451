import ToolsetKit

/// Sizes every input is held to, so no single call makes the host do unbounded work.
enum Limits {
    /// A file's display name, in characters (most file systems stop at 255 bytes).
    static let name = 255
    static let folder = 200
    static let query = 200
    static let fileID = 64
    /// Unexpired links one file may have: an agent minting links in a loop fills this, not the host's link table.
    static let outstandingLinksPerFile = 500
    static let pageDefault = 50
    static let pageMax = 200
    static let operatorListDefault = 500
    /// A link asked for without expires_in_seconds lives an hour (or the maximum, if that is shorter).
    static let defaultLinkSeconds = 3600
    static let defaultMaxLinkSeconds = 86_400
    /// The host signs links for at most 30 days (toolhost_plugin.h, TH_LINK_MAX_SECONDS).
    static let hostMaxLinkSeconds = 2_592_000
    /// Uploads are copied in chunks of this size: memory stays flat whatever the file's size.
    static let copyChunk = 1 << 20
}

/// Deployer settings, from the plugin's object in <data>/plugins.json (`{"files": {…}}`).
struct FilesSettings {
    /// The longest life an agent may ask of a link (`max_link_seconds`, 1 s … 30 days).
    let maxLinkSeconds: Int

    init(_ configuration: JSONObject) {
        if let value = configuration["max_link_seconds"]?.intValue, let seconds = Int(exactly: value), seconds > 0 {
            maxLinkSeconds = min(seconds, Limits.hostMaxLinkSeconds)
        } else {
            maxLinkSeconds = Limits.defaultMaxLinkSeconds
        }
    }

    var defaultLinkSeconds: Int { min(Limits.defaultLinkSeconds, maxLinkSeconds) }
}

/// "86400 seconds (24 hours)": a limit in the unit the setting is written in, and readable.
func durationText(_ seconds: Int) -> String {
    let readable: String
    if seconds % 86_400 == 0 { readable = "\(seconds / 86_400) day\(seconds == 86_400 ? "" : "s")" }
    else if seconds % 3600 == 0 { readable = "\(seconds / 3600) hour\(seconds == 3600 ? "" : "s")" }
    else if seconds % 60 == 0 { readable = "\(seconds / 60) minute\(seconds == 60 ? "" : "s")" }
    else { return "\(seconds) second\(seconds == 1 ? "" : "s")" }
    return "\(seconds) seconds (\(readable))"
}
