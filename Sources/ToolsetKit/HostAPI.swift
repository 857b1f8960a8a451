import Foundation
import JSON
import PluginABI
import Synchronization

/// The host's service table (th_host_api) as init() received it, and this plugin's configuration.
final class HostAPI: @unchecked Sendable {
    // @unchecked: th_host_api holds C pointers; the header keeps them valid for the process and its functions thread-safe (sections 3-4).
    let table: th_host_api
    let configuration: JSONObject

    /// The table installed by init(), as the bits of a retained pointer; 0 before (e.g. in unit
    /// tests): logs are dropped, time comes from the system clock. Every log line, clock read and
    /// event of every call reads it, so it is one atomic load, not a lock. (Zero is also what a
    /// statically initialized static holds, so the release-build problem of Locked cannot bite.)
    private static let installed = Atomic<UInt>(0)

    static var current: HostAPI? {
        let bits = installed.load(ordering: .acquiring)
        guard bits != 0, let pointer = UnsafeRawPointer(bitPattern: bits) else { return nil }
        return Unmanaged<HostAPI>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// init() runs once per process in the host; a test harness may run it again with another
    /// configuration. A replaced table is deliberately never released: a call on another thread
    /// may still be using it, and there is at most one per init().
    static func install(copying pointer: UnsafePointer<th_host_api>) {
        let retained = Unmanaged.passRetained(HostAPI(copying: pointer)).toOpaque()
        installed.store(UInt(bitPattern: retained), ordering: .releasing)
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
