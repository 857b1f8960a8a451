/// What a component's connection_id resolves to, opened for this run or this validation.
public enum ResolvedConnection {
    case database(DatabaseConnector)
    /// A files connection: the folder its paths are relative to.
    case folder(root: String)
}

/// Supplied by the toolset: looks connections up (decrypting credentials) and opens them.
/// A resolver lives for one run or one tool call, so it may cache what it opened.
public protocol ConnectionResolver: AnyObject {
    func resolve(_ connectionID: String) throws -> ResolvedConnection
}

/// Bounds that keep a run's memory independent of its input size.
public struct EngineLimits: Sendable {
    /// Rows a sort holds before spilling a sorted batch to a temporary file.
    public var sortRowsInMemory = 200_000
    public var maxGroups = 2_000_000
    public var maxDistinctKeys = 2_000_000
    public var maxJoinRightRows = 2_000_000
    /// Time limit for each database source's query.
    public var sourceQuerySeconds: Double = 3600
    public var spillDirectory = "/tmp"

    public init() {}
}
