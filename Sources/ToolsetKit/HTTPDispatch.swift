import JSON
import PluginABI
#if canImport(Glibc)
import Glibc
#endif

/// One registered HTTP handler: what the host hands back as handler_data.
final class ExportedHTTPHandler: Sendable {
    let handler: HTTPHandler
    init(_ handler: HTTPHandler) { self.handler = handler }
}

/// The bytes a th_http_response points at, malloc'd copies freed when the host calls release.
private final class HTTPAnswerStorage {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit { allocations.forEach { free($0) } }

    func keep(_ text: String?) -> UnsafePointer<CChar>? {
        guard let text, let copy = strdup(text) else { return nil }
        allocations.append(UnsafeMutableRawPointer(copy))
        return UnsafePointer(copy)
    }

    func keep(bytes: [UInt8]) -> UnsafePointer<CChar>? {
        guard let memory = malloc(max(bytes.count, 1)) else { return nil }
        bytes.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        allocations.append(memory)
        return UnsafePointer(memory.assumingMemoryBound(to: CChar.self))
    }
}

let httpThunk: th_http_fn = { data, context, response in HTTPDispatcher.dispatch(data, context, response) }

let httpReleaseThunk: th_http_release_fn = { _, response in
    guard let response, let owned = response.pointee.release_data else { return }
    Unmanaged<HTTPAnswerStorage>.fromOpaque(owned).release()
    response.pointee.release_data = nil
    response.pointee.body = nil
}

/// Runs one request through a verified link (header section 11). No Swift error leaves `dispatch`:
/// a thrown error is a 500 the host logs.
enum HTTPDispatcher {
    static func dispatch(_ data: UnsafeMutableRawPointer?, _ contextPointer: UnsafePointer<th_http_context>?,
                         _ response: UnsafeMutablePointer<th_http_response>?) -> th_status {
        guard let data, let response else { return TH_INVALID_ARGUMENT }
        let handler = Unmanaged<ExportedHTTPHandler>.fromOpaque(data).takeUnretainedValue().handler
        let request = HTTPRequest(reading: contextPointer)
        defer { request.endLease() }
        let answer: HTTPAnswer
        do { answer = try handler.handler(request) } catch {
            HostAPI.log("HTTP handler \(handler.path) failed: \(error)", level: .error)
            return TH_ERROR
        }
        fill(response, with: answer)
        return TH_OK
    }

    /// The answer's bytes go into a retained storage object parked in release_data.
    private static func fill(_ response: UnsafeMutablePointer<th_http_response>, with answer: HTTPAnswer) {
        let storage = HTTPAnswerStorage()
        switch answer {
        case .body(let status, let contentType, let bytes):
            response.pointee.status = UInt32(clamping: status)
            response.pointee.content_type = storage.keep(contentType)
            response.pointee.body = storage.keep(bytes: bytes)
            response.pointee.body_len = bytes.count
        case .file(let path, let contentType, let downloadName):
            response.pointee.status = 200
            response.pointee.file_path = storage.keep(path)
            response.pointee.content_type = storage.keep(contentType)
            response.pointee.download_name = storage.keep(downloadName)
        }
        response.pointee.release_data = Unmanaged.passRetained(storage).toOpaque()
    }
}

extension Registrar {
    /// Registers the definition's HTTP handlers (ABI 1.2): without add_http_handler the links the
    /// plugin signs could never be served, so it refuses to load instead.
    func addHTTPHandlers(of definition: PluginDefinition) throws(RegistrationRefusal) {
        guard !definition.httpHandlers.isEmpty else { return }
        guard hasField(pointer, \th_registrar.add_http_handler), let add = pointer.pointee.add_http_handler else {
            throw RegistrationRefusal(TH_UNSUPPORTED, "this host does not serve plugin HTTP handlers (ABI 1.2 add_http_handler)")
        }
        for handler in definition.httpHandlers {
            let data = Unmanaged.passRetained(ExportedHTTPHandler(handler)).toOpaque()
            let status = handler.path.withCString { path in
                var def = th_http_handler_def()
                def.struct_size = UInt32(MemoryLayout<th_http_handler_def>.size)
                def.path = path
                def.handle = httpThunk
                def.release = httpReleaseThunk
                def.handler_data = data
                return add(host, &def)
            }
            if status != TH_OK { throw RegistrationRefusal(status, "the host refused HTTP handler \"\(handler.path)\"") }
        }
    }
}
