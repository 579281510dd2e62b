import Kernels
import Synchronization

/// A model's thread pool, which serves one caller at a time: a forward that finds it taken runs on its own
/// thread rather than wait.
final class ExclusivePool: Sendable {
    let pool: ThreadPool?
    private let busy = Atomic<Bool>(false)

    init(threads: Int) {
        pool = threads > 1 ? ThreadPool(threadCount: threads) : nil
    }

    /// `body` with the pool, or with nil when there is none or another caller holds it.
    @inline(__always)
    func withPool<R, E: Error>(_ body: (ThreadPool?) throws(E) -> R) throws(E) -> R {
        guard let pool, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return try body(nil)
        }
        defer { busy.store(false, ordering: .releasing) }
        return try body(pool)
    }
}
