import Synchronization
import XCTest
import Kernels

final class ThreadPoolTests: XCTestCase {
    func testParallelForCoversEveryIndexExactlyOnce() {
        for threads in [1, 2, 3] {
            let pool = ThreadPool(threadCount: threads)
            for count in [0, 1, 2, 3, 7, 64, 1000] {
                for grain in [nil, 1, 5] {
                    for _ in 0..<20 {
                        let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(count, 1))
                        hits.initialize(repeating: 0)
                        defer { hits.deallocate() }
                        pool.parallelFor(count, grain: grain) { range in
                            for i in range { hits[i] += 1 }  // ranges are disjoint, so no two threads share an i
                        }
                        XCTAssertEqual(Array(hits.prefix(count)), [Int](repeating: 1, count: count),
                                       "threads \(threads) count \(count) grain \(String(describing: grain))")
                    }
                }
            }
        }
    }

    func testContextJobCoversEveryIndexExactlyOnce() {
        for threads in [1, 2] {
            let pool = ThreadPool(threadCount: threads)
            for count in [1, 5, 300] {
                let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: count)
                hits.initialize(repeating: 0)
                defer { hits.deallocate() }
                pool.parallelFor(count, context: UnsafeRawPointer(hits.baseAddress!)) { context, lower, upper in
                    let hits = UnsafeMutablePointer(mutating: context.assumingMemoryBound(to: Int.self))
                    for i in lower..<upper { hits[i] += 1 }
                }
                XCTAssertEqual(Array(hits), [Int](repeating: 1, count: count), "threads \(threads) count \(count)")
            }
        }
    }

    func testTwoThreadsBothTakePartWhenTheWorkIsLong() {
        let pool = ThreadPool(threadCount: 2)
        let threads = Mutex<Set<pthread_t>>([])
        pool.parallelFor(2, grain: 1) { _ in
            _ = threads.withLock { $0.insert(pthread_self()) }
            // Hold this chunk until the other thread has claimed the other one (up to 5 s on a busy machine).
            let start = DispatchTime.now().uptimeNanoseconds
            while threads.withLock({ $0.count }) < 2 && DispatchTime.now().uptimeNanoseconds - start < 5_000_000_000 {
                usleep(100)
            }
        }
        XCTAssertEqual(threads.withLock { $0.count }, 2)
    }

    func testWorkersWakeUpAfterSleeping() {
        let pool = ThreadPool(threadCount: 2, spinMicroseconds: 0)
        let total = Atomic<Int>(0)
        for round in 0..<50 {
            if round % 10 == 0 { usleep(2000) }  // let the worker fall asleep
            pool.parallelFor(100) { range in total.add(range.count, ordering: .relaxed) }
        }
        XCTAssertEqual(total.load(ordering: .relaxed), 5000)
    }

    func testPoolsCanBeCreatedAndDestroyedRepeatedly() {
        for _ in 0..<20 {
            let pool = ThreadPool(threadCount: 2, spinMicroseconds: 10)
            let total = Atomic<Int>(0)
            pool.parallelFor(10) { range in total.add(range.count, ordering: .relaxed) }
            XCTAssertEqual(total.load(ordering: .relaxed), 10)
        }
    }
}
