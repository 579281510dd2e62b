import Glibc
import Synchronization

/// Collects values from the loop thread or background threads for the test thread to inspect.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    func append(_ value: Value) {
        values.withLock { $0.append(value) }
    }

    var all: [Value] { values.withLock { $0 } }
    var count: Int { values.withLock { $0.count } }
}

/// Polls `condition` until it holds or `timeout` passes; for effects the server reports asynchronously.
func eventually(timeout: Duration = .seconds(3), _ condition: () -> Bool) -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}
