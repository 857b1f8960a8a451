/// The paths of a plugin's HTTP space (header section 11): handler prefixes and signed paths.
/// Segments of [a-z0-9_.-], joined by '/', none empty, "." or "..": such a path needs no
/// percent-encoding, so the bytes a client sends are compared as they are, and nothing a path
/// holds can climb out of the plugin's space or reach a header unescaped.
enum LinkPath {
    static let maxPrefixBytes = 128
    static let maxPathBytes = 512

    static func isValid(_ path: String, maxBytes: Int) -> Bool {
        guard !path.isEmpty, path.utf8.count <= maxBytes else { return false }
        for segment in path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            guard !segment.isEmpty, !segment.elementsEqual(".".utf8), !segment.elementsEqual("..".utf8) else { return false }
            guard segment.allSatisfy(isAllowed) else { return false }
        }
        return true
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F || byte == 0x2E || byte == 0x2D
    }

    /// The rest of `path` below `prefix` ("" for the prefix itself), or nil when `prefix` is not
    /// one of its leading segments ("download" covers "download/x", not "downloads").
    static func rest(of path: String, under prefix: String) -> String? {
        if path == prefix { return "" }
        guard path.hasPrefix(prefix + "/") else { return nil }
        return String(path.dropFirst(prefix.count + 1))
    }
}

/// `/{tenant}/x/{plugin}/{path…}`: a request in a plugin's HTTP space. Only names that follow
/// the naming rules and a path LinkPath accepts make a route; anything else is a plain 404.
struct LinkRoute: Equatable {
    let tenant: String
    let plugin: String
    let path: String

    init(tenant: String, plugin: String, path: String) {
        self.tenant = tenant
        self.plugin = plugin
        self.path = path
    }

    init?(path requestPath: String) {
        let parts = requestPath.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].isEmpty, parts[2] == "x" else { return nil }
        tenant = String(parts[1])
        plugin = String(parts[3].prefix { $0 != "/" })
        let rest = parts[3].drop { $0 != "/" }.dropFirst()
        path = String(rest)
        guard TenantCommands.isValidName(tenant), PluginLoader.isValidName(plugin),
              LinkPath.isValid(path, maxBytes: LinkPath.maxPathBytes) else { return nil }
    }
}
