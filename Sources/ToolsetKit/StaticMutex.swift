import Synchronization

/// A Mutex meant for a `static let`, held in a class instance.
///
/// Why not `static let x = Mutex(…)`: in Swift 6.3 release builds the optimizer may emit such a
/// static as statically initialized memory without running its initializer. We saw it: a
/// `Mutex<State>` whose `State()` starts with an Optional read back as `.some(0)` instead of nil,
/// which crashed every Swift plugin on load in `make run`. A class instance is always created by
/// running its initializer (once, on first use).
final class StaticMutex<Value>: Sendable {
    let mutex: Mutex<Value>

    init(_ initialValue: sending Value) { mutex = Mutex(initialValue) }
}
