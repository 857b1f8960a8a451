import Foundation
import Locking

/// The origin clients reach the host by, as plugins see it (header section 11, public_base_url)
/// and as signed links start. The daemon sets it once it knows its address (`--public-url`, or
/// the address it listens on); a CLI process takes TOOLHOST_PUBLIC_URL, or has none ("").
///
/// Handed to plugins as a C string valid for the process: a replaced string is never freed
/// (it is set once per process in practice).
final class PublicBaseURL: Sendable {
    private let current: Locked<UnsafeMutablePointer<CChar>>

    init() {
        let initial = ProcessInfo.processInfo.environment["TOOLHOST_PUBLIC_URL"].map(PublicBaseURL.trimmed) ?? ""
        current = Locked(strdup(initial)!)
    }

    func set(_ origin: String) {
        current.withLock { $0 = strdup(PublicBaseURL.trimmed(origin))! }
    }

    var cString: UnsafePointer<CChar> { current.withLock { UnsafePointer($0) } }
    var text: String { String(cString: cString) }

    private static func trimmed(_ origin: String) -> String {
        var origin = origin
        while origin.hasSuffix("/") { origin.removeLast() }
        return origin
    }
}
