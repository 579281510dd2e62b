#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// Fans independent work out over the cores with `DispatchQueue.concurrentPerform`. Two ways to split rows:
/// - `forEachChunk(_:minimumChunk:)`: one chunk per core, for inference, where only speed matters;
/// - `forEachChunk(rows:minimumRowsPerChunk:)`: a split that depends only on the problem size, never on the
///   core count, so per-chunk partial sums (added in a fixed order) are the same on any machine and training
///   stays bit-reproducible for a given seed.
package enum Parallel {
    /// The cores this process may use.
    package static let coreCount = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Calls body(range) for contiguous ranges covering 0..<count, one per core when count is worth it.
    package static func forEachChunk(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        run(chunks: min(coreCount, max(1, count / max(minimumChunk, 1))), count: count, body)
    }

    /// Calls body(range) for at most 8 contiguous ranges covering 0..<rows, split the same way on every machine.
    package static func forEachChunk(rows: Int, minimumRowsPerChunk: Int = 16, _ body: (Range<Int>) -> Void) {
        run(chunks: chunkCount(rows: rows, minimumRowsPerChunk: minimumRowsPerChunk), count: rows, body)
    }

    package static func chunkCount(rows: Int, minimumRowsPerChunk: Int) -> Int {
        Swift.max(1, Swift.min(maximumChunks, rows / Swift.max(1, minimumRowsPerChunk)))
    }

    package static func chunkRange(_ chunk: Int, of chunks: Int, rows: Int) -> Range<Int> {
        (chunk * rows / chunks)..<((chunk + 1) * rows / chunks)
    }

    /// transform of every item, in input order, items handed out one at a time (they may differ in cost).
    package static func map<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
        let results = Mutex<[R?]>(Array(repeating: nil, count: items.count))
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: max(1, min(items.count, coreCount))) { _ in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < items.count else { return }
                let value = transform(items[index])
                results.withLock { $0[index] = value }
            }
        }
        return results.withLock { $0.map { $0! } }
    }

    /// Fixed, independent of the core count; enough to keep a few cores busy.
    private static let maximumChunks = 8

    private static func run(chunks: Int, count: Int, _ body: (Range<Int>) -> Void) {
        guard chunks > 1 else { return body(0..<count) }
        // The chunks touch disjoint ranges and concurrentPerform returns only when all are done,
        // so the non-escaping, non-Sendable body may run on the other threads meanwhile.
        nonisolated(unsafe) let work = body
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            work(chunkRange(chunk, of: chunks, rows: count))
        }
    }
}
