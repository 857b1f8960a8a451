import PluginABI
#if canImport(Glibc)
import Glibc
#endif

/// The th_call_result the host passes to a tool call or an operator command. Both paths fill it
/// here and free it in `release`, so the allocation rules of header section 3 live in one place:
/// the JSON bytes are malloc'd, a failure message is strdup'd and parked in release_data, and
/// the host hands the struct back to release_result once it has copied them out.
struct CallResultSlot {
    let pointer: UnsafeMutablePointer<th_call_result>

    /// Hands the host a copy of `bytes` (a JSON object) as the result.
    func succeed(with bytes: [UInt8]) -> th_status {
        guard let memory = malloc(max(bytes.count, 1)) else { return fail(TH_ERROR, "out of memory") }
        bytes.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        pointer.pointee.json = UnsafePointer(memory.assumingMemoryBound(to: CChar.self))
        pointer.pointee.json_len = bytes.count
        pointer.pointee.release_data = nil
        return TH_OK
    }

    /// Reports a failure: the message is result-owned (strdup'd into release_data), so the host
    /// copies it and then calls release_result, which frees it.
    func fail(_ status: th_status, _ message: String) -> th_status {
        if hasField(UnsafePointer(pointer), \th_call_result.message), let copy = strdup(message) {
            pointer.pointee.message = UnsafePointer(copy)
            pointer.pointee.release_data = UnsafeMutableRawPointer(copy)
        }
        return status
    }

    /// Frees what `succeed` or `fail` allocated and clears the struct.
    static func release(_ result: UnsafeMutablePointer<th_call_result>?) {
        guard let result else { return }
        if let json = result.pointee.json { free(UnsafeMutableRawPointer(mutating: json)) }
        if let owned = result.pointee.release_data { free(owned) }
        result.pointee.json = nil
        result.pointee.json_len = 0
        result.pointee.release_data = nil
        result.pointee.message = nil
    }
}

/// The release_result of every toolset and the release of every operator command.
let releaseResultThunk: th_release_fn = { _, result in CallResultSlot.release(result) }
