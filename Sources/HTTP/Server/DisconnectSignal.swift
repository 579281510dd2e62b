import Synchronization

/// Set once when the client of a request is gone (EOF, reset, write failure, forced shutdown).
/// The flag is cheap to poll from the engine; callbacks fire once, on the thread that sets it.
final class DisconnectSignal: Sendable {
    private let flag = Atomic<Bool>(false)
    private let callbacks = Mutex<[@Sendable () -> Void]>([])

    var isSet: Bool { flag.load(ordering: .acquiring) }

    func fire() {
        let pending: [@Sendable () -> Void] = callbacks.withLock { callbacks in
            guard !flag.load(ordering: .relaxed) else { return [] }
            // stored under the lock so a concurrent `register` either sees the flag or gets called here
            flag.store(true, ordering: .releasing)
            defer { callbacks.removeAll() }
            return callbacks
        }
        for callback in pending { callback() }
    }

    /// Runs `callback` when the signal fires, or right now if it already has.
    func register(_ callback: @escaping @Sendable () -> Void) {
        let alreadyFired = callbacks.withLock { callbacks in
            if flag.load(ordering: .relaxed) { return true }
            callbacks.append(callback)
            return false
        }
        if alreadyFired { callback() }
    }
}
