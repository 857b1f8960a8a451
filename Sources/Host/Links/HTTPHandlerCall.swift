import PluginABI

/// One request through a verified link, handed to the plugin's handler: the (tenant, plugin)
/// database leased as for a tool call (with the same transaction check), the context built,
/// the answer copied out while the bytes are still the plugin's, then released exactly once.
struct HTTPHandlerCall {
    let handler: RegisteredHTTPHandler
    let link: LinkRecord
    let method: String
    /// The path below the handler's prefix.
    let rest: String
    /// The query minus the link's parameters.
    let query: String
    let requestID: String
    let databases: ToolsetDatabases

    /// The most body a handler may answer with in memory; bigger content goes by file_path.
    static let maxBodyBytes = 1 << 20

    /// What the handler answered, copied out of the plugin's memory.
    struct Answer {
        let status: th_status
        let httpStatus: Int
        let contentType: String?
        let body: [UInt8]
        let filePath: String?
        let downloadName: String?
        /// Set when the answer broke a rule (a body too large): the host answers 500.
        let problem: String?
    }

    func run() throws -> Answer {
        let handle = CallHandle(tenant: link.tenant, plugin: handler.plugin, origin: "link:" + link.id, requestID: requestID)
        let strings = CStringBlock([link.tenant, method, rest, query, link.claims, link.id, link.createdBy, requestID])
        return try databases.withDatabase(tenant: link.tenant, plugin: handler.plugin, purpose: "HTTP handler \(handler.prefix)") { database in
            strings.withPointers { p in
                var context = th_http_context()
                context.struct_size = UInt32(MemoryLayout<th_http_context>.size)
                context.tenant = p[0]
                context.method = p[1]
                context.path = p[2]
                context.query = p[3]
                context.claims_json = p[4]
                context.link_id = p[5]
                context.created_by = p[6]
                context.request_id = p[7]
                context.db = UnsafeMutableRawPointer(database.handle)
                context.call_handle = handle.opaque
                return withExtendedLifetime(handle) { call(&context) }
            }
        }
    }

    private func call(_ context: inout th_http_context) -> Answer {
        var response = th_http_response()
        response.struct_size = UInt32(MemoryLayout<th_http_response>.size)
        let status = handler.handle(handler.handlerData, &context, &response)
        // Copy out before releasing: until then the bytes belong to the plugin.
        func text(_ pointer: UnsafePointer<CChar>?) -> String? { pointer.map { String(cString: $0) } }
        var body: [UInt8] = []
        var problem: String?
        if let bytes = response.body, response.file_path == nil {
            if response.body_len > Self.maxBodyBytes {
                problem = "the handler answered \(response.body_len) bytes in memory; at most \(Self.maxBodyBytes) are allowed (use file_path)"
            } else {
                body = Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(bytes), count: response.body_len))
            }
        }
        let answer = Answer(status: status, httpStatus: response.status == 0 ? 200 : Int(response.status), contentType: text(response.content_type),
                            body: body, filePath: text(response.file_path), downloadName: text(response.download_name), problem: problem)
        if response.body != nil || response.release_data != nil { handler.release(handler.handlerData, &response) }
        return answer
    }
}
