import XCTest
import Foundation
import Synchronization

@testable import Server

/// `make sanitize` runs the tests with the sanitizer's allocator instead of jemalloc (Package.swift).
let jemallocReplacedBySanitizer = ProcessInfo.processInfo.environment["DISTILLERY_SANITIZE"] != nil

final class JemallocTests: XCTestCase {
    /// The process allocator is jemalloc (linked through CJemalloc), so its statistics see Swift's allocations.
    func testJemallocCountsTheProcessesAllocations() throws {
        try XCTSkipIf(jemallocReplacedBySanitizer, "a sanitizer build: jemalloc is not the allocator")
        let before = try XCTUnwrap(JemallocStats.snapshot(), "jemalloc statistics are available")
        var block = [UInt8](repeating: 1, count: 64 << 20)
        let during = try XCTUnwrap(JemallocStats.snapshot())
        XCTAssertGreaterThan(during.allocated - before.allocated, 60 << 20, "a 64 MB array shows up in stats.allocated")
        XCTAssertGreaterThan(during.resident, 64 << 20)
        block.removeAll()
        let after = try XCTUnwrap(JemallocStats.snapshot())
        XCTAssertLessThan(after.allocated, during.allocated - (60 << 20), "and leaves when freed")
        XCTAssertEqual(block.count, 0)
    }

    /// Memory freed by a thread that then allocates nothing more (the last request of a swapped-out model)
    /// goes back to the system within jemalloc's decay time, because the server starts background purging.
    func testMemoryFreedByAQuietThreadIsReturned() throws {
        try XCTSkipIf(jemallocReplacedBySanitizer, "a sanitizer build: jemalloc is not the allocator")
        XCTAssertTrue(JemallocStats.startBackgroundPurging())
        let freed = DispatchSemaphore(value: 0)
        let before = Mutex<JemallocStats.Snapshot?>(nil)
        Thread.detachNewThread {
            // 1 MB pieces, like a model's tensors: jemalloc keeps blocks this size in the thread's arena
            // (larger ones go to a dedicated arena that is purged at once)
            var blocks = (0..<96).map { _ in [UInt8](repeating: 1, count: 1 << 20) }
            before.withLock { $0 = JemallocStats.snapshot() }
            blocks.removeAll()
            freed.signal()
            Thread.sleep(forTimeInterval: 30)  // alive and quiet while the test watches
            _ = blocks
        }
        freed.wait()
        let during = try XCTUnwrap(before.withLock { $0 })
        let deadline = Date().addingTimeInterval(25)
        var resident = during.resident
        while Date() < deadline {
            resident = try XCTUnwrap(JemallocStats.snapshot()).resident
            if resident < during.resident - (80 << 20) { break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        XCTAssertLessThan(resident, during.resident - (80 << 20), "the 96 MB freed by the quiet thread left jemalloc's resident pages")
    }
}
