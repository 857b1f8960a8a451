import JSON
import PluginABI
#if canImport(Glibc)
import Glibc
#endif

// Helpers for reading and writing the C structs of the plugin contract. Only C types cross the
// boundary; no Swift error ever unwinds through it.

/// TOOLHOST_HAS_FIELD for a struct whose writer declared its size in its first field.
func hasField<S, T>(_ pointer: UnsafePointer<S>, _ field: KeyPath<S, T>) -> Bool {
    guard let offset = MemoryLayout<S>.offset(of: field) else { return false }
    let size = UnsafeRawPointer(pointer).load(as: UInt32.self)
    return Int(size) >= offset + MemoryLayout<T>.size
}

/// Reads a field only if it lies within the writer's struct_size (nil otherwise).
func loadField<S, T>(_ pointer: UnsafePointer<S>, _ field: KeyPath<S, T>) -> T? {
    guard hasField(pointer, field), let offset = MemoryLayout<S>.offset(of: field) else { return nil }
    return UnsafeRawPointer(pointer).load(fromByteOffset: offset, as: T.self)
}

/// A C-string field copied out as a String; nil when absent (beyond struct_size, or NULL).
func loadString<S>(_ pointer: UnsafePointer<S>?, _ field: KeyPath<S, UnsafePointer<CChar>?>) -> String? {
    guard let pointer, let value = loadField(pointer, field), let value else { return nil }
    return String(cString: value)
}

/// A `void *db` field (a sqlite3 *) as the handle ToolsetKit's Database wraps; nil when absent.
func loadDatabaseHandle<S>(_ pointer: UnsafePointer<S>?, _ field: KeyPath<S, UnsafeMutableRawPointer?>) -> OpaquePointer? {
    guard let pointer, let raw = loadField(pointer, field), let raw else { return nil }
    return OpaquePointer(raw)
}

/// A JSON field (a C string) parsed straight from its bytes, without a String in between.
func loadJSON<S>(_ pointer: UnsafePointer<S>?, _ field: KeyPath<S, UnsafePointer<CChar>?>) -> JSONValue? {
    guard let pointer, let value = loadField(pointer, field), let value else { return nil }
    return try? JSONParser.parse(UnsafeRawBufferPointer(start: UnsafeRawPointer(value), count: strlen(value)))
}

/// Never freed: registration strings and C structs live as long as the process.
func permanentCString(_ string: String) -> UnsafePointer<CChar> {
    UnsafePointer(strdup(string)!)
}

func optionalCString(_ string: String?) -> UnsafePointer<CChar>? {
    string.map { permanentCString($0) }
}
