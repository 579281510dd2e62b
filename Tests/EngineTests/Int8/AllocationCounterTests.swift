import Foundation
import XCTest

/// The counters see allocations, on this thread and on others, so a zero from them means something.
final class AllocationCounterTests: XCTestCase {
    func testThreadCounterSeesThisThreadsAllocations() {
        let before = AllocationCounter.threadAllocatedBytes()
        let array = Array(repeating: 7, count: 1000)
        XCTAssertGreaterThanOrEqual(AllocationCounter.threadAllocatedBytes() - before, 8000)
        XCTAssertEqual(array.count, 1000)
    }

    func testHookSeesAllocationsOfAnotherThread() throws {
        let go = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let other = Thread {
            go.wait()
            var total = 0.0
            for n in 1...50 { total += Array(repeating: 1.5, count: 100 + n).reduce(0, +) }
            XCTAssertGreaterThan(total, 0)
            done.signal()
        }
        other.start()
        let count = try XCTUnwrap(AllocationCounter.allocations {
            go.signal()
            done.wait()
        }, "this jemalloc has no allocation hooks")
        XCTAssertGreaterThanOrEqual(count, 50)
        XCTAssertEqual(AllocationCounter.allocations {}, 0)
    }
}
