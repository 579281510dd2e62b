import XCTest
import Foundation

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
}
