import Dispatch

/// Fans row-independent work out over the cores. The split into chunks depends only on the problem
/// size, never on the thread count, so per-chunk partial results (and their fixed-order sum) are the
/// same on any machine: training stays bit-reproducible for a given seed.
package enum Parallel {
    /// Rows per chunk is chosen so each chunk has enough work to amortize a dispatch.
    package static func forEachChunk(rows: Int, minimumRowsPerChunk: Int = 16, _ body: (Range<Int>) -> Void) {
        let chunks = chunkCount(rows: rows, minimumRowsPerChunk: minimumRowsPerChunk)
        if chunks <= 1 {
            body(0..<rows)
            return
        }
        // Chunks touch disjoint rows of raw buffers that outlive this call; concurrentPerform returns only
        // when every chunk is done, so sharing the non-Sendable body is safe.
        nonisolated(unsafe) let work = body
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            work(chunkRange(chunk, of: chunks, rows: rows))
        }
    }

    package static func chunkCount(rows: Int, minimumRowsPerChunk: Int) -> Int {
        Swift.max(1, Swift.min(maximumChunks, rows / Swift.max(1, minimumRowsPerChunk)))
    }

    package static func chunkRange(_ chunk: Int, of chunks: Int, rows: Int) -> Range<Int> {
        (chunk * rows / chunks)..<((chunk + 1) * rows / chunks)
    }

    /// Fixed, independent of the core count; enough to keep a few cores busy.
    private static let maximumChunks = 8
}
