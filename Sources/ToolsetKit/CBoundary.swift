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

/// Never freed: registration strings and C structs live as long as the process.
func permanentCString(_ string: String) -> UnsafePointer<CChar> {
    UnsafePointer(strdup(string)!)
}

func optionalCString(_ string: String?) -> UnsafePointer<CChar>? {
    string.map { permanentCString($0) }
}
