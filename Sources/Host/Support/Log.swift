import Foundation
import Locking
import Synchronization

/// One line per event on stderr: `2026-11-23T07:00:00.123Z INFO  [component] message`.
/// Stderr keeps stdout free for what commands print (a token, MCP messages on stdio).
/// Callers must never pass tokens or secrets; the token layer logs token *ids* only.
/// Component and message are escaped (LogEscaping): a value from outside can neither end the
/// line nor forge the next one, and multi-line text the host writes stays on its one line.
enum Log {
    enum Level: Int, Comparable {
        case debug, info, warning, error
        static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        var label: String {
            switch self {
            case .debug: return "DEBUG"
            case .info: return "INFO "
            case .warning: return "WARN "
            case .error: return "ERROR"
            }
        }
    }

    /// Set once at start-up (commands other than `serve` raise it to .warning); read on every line.
    static var minimumLevel: Level {
        get { Level(rawValue: threshold.load(ordering: .relaxed)) ?? .info }
        set { threshold.store(newValue.rawValue, ordering: .relaxed) }
    }

    private static let threshold = Atomic<Int>(initialLevel.rawValue)

    private static var initialLevel: Level {
        switch ProcessInfo.processInfo.environment["TOOLHOST_LOG_LEVEL"]?.lowercased() {
        case "debug": return .debug
        case "warning", "warn": return .warning
        case "error": return .error
        default: return .info
        }
    }

    /// Whole lines, never interleaved between threads (a BlockingLock: the write is a syscall).
    private static let output = BlockingLock()

    static func write(_ level: Level, _ component: String, _ message: String) {
        guard level >= minimumLevel else { return }
        let line = "\(Timestamp.iso8601(millisecondsSinceEpoch: Clock.nowMilliseconds(), fractional: true)) \(level.label) [\(LogEscaping.escaped(component))] \(LogEscaping.escaped(message))\n"
        output.withLock { FileHandle.standardError.write(Data(line.utf8)) }
    }

    static func debug(_ component: String, _ message: String) { write(.debug, component, message) }
    static func info(_ component: String, _ message: String) { write(.info, component, message) }
    static func warning(_ component: String, _ message: String) { write(.warning, component, message) }
    static func error(_ component: String, _ message: String) { write(.error, component, message) }
}
