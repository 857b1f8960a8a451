import Foundation
import JSON
import Locking
import PluginABI

/// The host's service table (th_host_api) as init() received it, and this plugin's configuration.
final class HostAPI: @unchecked Sendable {
    // @unchecked: th_host_api holds C pointers; the header keeps them valid for the process and its functions thread-safe (sections 3-4).
    let table: th_host_api
    let configuration: JSONObject

    /// The table installed by init(); nil before (e.g. in unit tests): logs are dropped, time comes from the system clock.
    /// A lock rather than a write-once value because a test harness may run init() again with another configuration.
    /// Read by calls on any host thread: a BlockingLock (see BlockingLock), in a class instance
    /// (see StaticMutex for why not a bare static).
    private static let installed = Installed()
    private final class Installed: @unchecked Sendable {  // `api` is guarded by `lock`
        let lock = BlockingLock()
        var api: HostAPI?
    }

    static var current: HostAPI? { installed.lock.withLock { installed.api } }

    static func install(copying pointer: UnsafePointer<th_host_api>) {
        let api = HostAPI(copying: pointer)
        installed.lock.withLock { installed.api = api }
    }

    private init(copying pointer: UnsafePointer<th_host_api>) {
        // Use only what the host declared (struct_size); the rest stays zero = "not provided".
        var table = th_host_api()
        let count = min(Int(pointer.pointee.struct_size), MemoryLayout<th_host_api>.size)
        withUnsafeMutableBytes(of: &table) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: UnsafeRawPointer(pointer), count: count))
        }
        self.table = table
        configuration = HostAPI.configuration(of: table)
    }

    private static func configuration(of table: th_host_api) -> JSONObject {
        guard let configJSON = table.config_json, let text = configJSON(table.host),
              case .object(let object)? = try? JSONParser.parse(String(cString: text)) else { return JSONObject() }
        return object
    }

    static func log(_ message: String, level: LogLevel) {
        guard let host = current, let log = host.table.log else { return }
        log(host.table.host, level.c, message)
    }

    static func nowMilliseconds() -> Int64 {
        if let host = current, let now = host.table.now_ms { return now(host.table.host) }
        return Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// This plugin's configuration object from the host ("{}" when none).
    static var configurationObject: JSONObject { current?.configuration ?? JSONObject() }
}
