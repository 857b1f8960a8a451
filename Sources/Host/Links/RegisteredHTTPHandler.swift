import PluginABI

/// An HTTP handler a plugin registered (ABI 1.2, header section 11): a prefix of its space
/// /{tenant}/x/{plugin}/ and the functions that answer requests through signed links.
// @unchecked: registered during plugin load and read-only after; holds the plugin's C function and
// data pointers, which Swift cannot check (the header's thread rule covers them).
final class RegisteredHTTPHandler: @unchecked Sendable {
    let prefix: String
    let handle: th_http_fn
    let release: th_http_release_fn
    let handlerData: UnsafeMutableRawPointer?
    unowned(unsafe) let plugin: LoadedPlugin

    init(prefix: String, handle: th_http_fn, release: th_http_release_fn, handlerData: UnsafeMutableRawPointer?, plugin: LoadedPlugin) {
        self.prefix = prefix
        self.handle = handle
        self.release = release
        self.handlerData = handlerData
        self.plugin = plugin
    }

    /// Reads and checks a definition handed to add_http_handler; a refusal names the problem.
    static func make(_ definition: th_http_handler_def, plugin: LoadedPlugin, existing: [RegisteredHTTPHandler]) -> Result<RegisteredHTTPHandler, PluginLoader.Refusal> {
        let prefix = definition.path.map { String(cString: $0) } ?? ""
        guard LinkPath.isValid(prefix, maxBytes: LinkPath.maxPrefixBytes) else {
            return .failure(.init(reason: "HTTP handler path \"\(prefix)\" is not 1–\(LinkPath.maxPrefixBytes) bytes of [a-z0-9_.-] segments joined by '/'"))
        }
        guard !existing.contains(where: { $0.prefix == prefix }) else {
            return .failure(.init(reason: "HTTP handler path \"\(prefix)\" registered twice"))
        }
        guard let handle = definition.handle, let release = definition.release else {
            return .failure(.init(reason: "HTTP handler \"\(prefix)\" lacks its handle or release function"))
        }
        return .success(RegisteredHTTPHandler(prefix: prefix, handle: handle, release: release, handlerData: definition.handler_data, plugin: plugin))
    }
}

extension LoadedPlugin {
    /// The handler with the longest prefix covering `path`, and the rest of the path below it.
    func httpHandler(for path: String) -> (handler: RegisteredHTTPHandler, rest: String)? {
        var best: (handler: RegisteredHTTPHandler, rest: String)?
        for handler in httpHandlers {
            guard let rest = LinkPath.rest(of: path, under: handler.prefix) else { continue }
            if best == nil || handler.prefix.count > best!.handler.prefix.count { best = (handler, rest) }
        }
        return best
    }
}
