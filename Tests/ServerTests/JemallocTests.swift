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
    /// goes back to the system within jemalloc's decay time, because the server starts background purging:
    /// the dirty pages of that thread's arena are purged although the arena is never used again.
    func testMemoryFreedByAQuietThreadIsReturned() throws {
        try XCTSkipIf(jemallocReplacedBySanitizer, "a sanitizer build: jemalloc is not the allocator")
        XCTAssertTrue(JemallocStats.startBackgroundPurging())
        let freed = DispatchSemaphore(value: 0)
        let arena = Mutex<Int?>(nil)
        Thread.detachNewThread {
            // 1 MB pieces, like a model's tensors: jemalloc keeps blocks this size in the thread's arena
            var blocks = (0..<96).map { _ in [UInt8](repeating: 1, count: 1 << 20) }
            arena.withLock { $0 = JemallocStats.arenaOfCurrentThread() }
            blocks.removeAll()
            freed.signal()
            Thread.sleep(forTimeInterval: 40)  // alive and quiet while the test watches
            _ = blocks
        }
        freed.wait()
        let index = try XCTUnwrap(arena.withLock { $0 })
        let deadline = Date().addingTimeInterval(30)
        var dirty = try XCTUnwrap(JemallocStats.dirtyBytes(arena: index))
        while Date() < deadline, dirty > 8 << 20 {
            Thread.sleep(forTimeInterval: 0.5)
            dirty = try XCTUnwrap(JemallocStats.dirtyBytes(arena: index))
        }
        XCTAssertLessThan(dirty, 8 << 20, "arena \(index) returned the 96 MB its quiet thread freed")
    }
}
