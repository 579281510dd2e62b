import Foundation
import Kernels
import Synchronization
import XCTest

/// The counters see allocations, on this thread and on a pool's workers, so a zero from them means something.
final class AllocationCounterTests: XCTestCase {
    func testCounterSeesThisThreadsAllocations() throws {
        try AllocationCounter.skipInSanitizerBuilds()
        let counter = AllocationCounter.currentThread()
        let bytes = AllocationCounter.bytes(allocatedBy: [counter]) {
            XCTAssertEqual(Array(repeating: 7, count: 1000).count, 1000)
        }
        XCTAssertGreaterThanOrEqual(bytes, 8000)
        XCTAssertEqual(AllocationCounter.bytes(allocatedBy: [counter]) {}, 0)
    }

    func testCountersSeeEveryParticipantOfAPool() throws {
        try AllocationCounter.skipInSanitizerBuilds()
        let pool = ThreadPool(threadCount: 2)
        let counters = AllocationCounter.participants(of: pool)
        XCTAssertEqual(counters.count, 2)
        XCTAssertTrue(counters.contains(AllocationCounter.currentThread()))
        let worker = counters.first { $0 != AllocationCounter.currentThread() }!
        let bytes = AllocationCounter.bytes(allocatedBy: [worker]) {
            // chunks claimed one at a time and held until the worker has taken one, so it allocates too
            let claimed = Atomic<Int>(0)
            pool.parallelFor(2, grain: 1) { _ in
                claimed.add(1, ordering: .relaxed)
                let start = DispatchTime.now().uptimeNanoseconds
                while claimed.load(ordering: .relaxed) < 2, DispatchTime.now().uptimeNanoseconds - start < 5_000_000_000 {
                    usleep(100)
                }
                XCTAssertEqual(Array(repeating: 1.5, count: 500).count, 500)
            }
        }
        XCTAssertGreaterThanOrEqual(bytes, 4000)
    }
}
