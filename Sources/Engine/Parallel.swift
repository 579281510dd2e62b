#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Splits element-wise and row-wise work of the batched forward over the cores, in contiguous chunks,
/// while OpenBLAS's own threads wait between products.
enum Parallel {
    /// At most this many chunks run at once: one per core.
    static let width = max(1, System.activeProcessorCount)

    /// Calls body(range) for contiguous ranges covering 0..<count, on all cores when count is worth it.
    static func forEachChunk(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = min(width, max(1, count / max(minimumChunk, 1)))
        guard chunks > 1 else { return body(0..<count) }
        // The chunks touch disjoint ranges and concurrentPerform returns only when all are done,
        // so the non-escaping, non-Sendable body may run on the other threads meanwhile.
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                work.value((chunk * count / chunks)..<((chunk + 1) * count / chunks))
            }
        }
    }
}

private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The processor count without importing Foundation into the engine.
enum System {
    static var activeProcessorCount: Int {
        #if canImport(Glibc)
        Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        1
        #endif
    }
}
