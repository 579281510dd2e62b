import Synchronization
import Tensors
import XCTest

final class ParallelTests: XCTestCase {
    /// Both splits cover every index exactly once; the reproducible one does not depend on the core count.
    func testChunksCoverEveryIndexOnce() {
        for count in [0, 1, 15, 16, 17, 1000] {
            for split in 0..<2 {
                let seen = Mutex([Int](repeating: 0, count: count))
                let record: (Range<Int>) -> Void = { range in seen.withLock { for i in range { $0[i] += 1 } } }
                if split == 0 { Parallel.forEachChunk(count, minimumChunk: 4, record) }
                else { Parallel.forEachChunk(rows: count, minimumRowsPerChunk: 4, record) }
                XCTAssertEqual(seen.withLock { $0 }, [Int](repeating: 1, count: count), "count \(count), split \(split)")
            }
        }
        XCTAssertEqual(Parallel.chunkCount(rows: 1000, minimumRowsPerChunk: 16), 8)
        XCTAssertEqual(Parallel.chunkCount(rows: 40, minimumRowsPerChunk: 16), 2)
        XCTAssertEqual(Parallel.chunkRange(1, of: 3, rows: 10), 3..<6)
    }

    func testMapKeepsInputOrder() {
        let items = Array(0..<500)
        XCTAssertEqual(Parallel.map(items) { $0 * $0 }, items.map { $0 * $0 })
        XCTAssertEqual(Parallel.map([Int]()) { $0 }, [])
    }
}
