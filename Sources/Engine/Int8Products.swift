import Kernels
import Synchronization

/// The thread pool behind a model's `Numerics.int8` products. The pool serves one caller at a time: a forward
/// that finds it taken runs its products on its own thread.
final class Int8Products: Sendable {
    private let pool: ThreadPool?
    private let poolBusy = Atomic<Bool>(false)

    init(threads: Int) {
        pool = threads > 1 ? ThreadPool(threadCount: threads) : nil
    }

    func withPool<R, E: Error>(_ body: (ThreadPool?) throws(E) -> R) throws(E) -> R {
        guard let pool, poolBusy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return try body(nil)
        }
        defer { poolBusy.store(false, ordering: .releasing) }
        return try body(pool)
    }
}

/// What a batched forward's products need to run on the int8 kernels.
struct Int8Step {
    let pool: ThreadPool?
    let scratch: BatchScratch
}
