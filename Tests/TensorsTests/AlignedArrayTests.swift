import Glibc
import XCTest

@testable import Tensors

final class AlignedArrayTests: XCTestCase {
    func testSmallArraysAreZeroedAndCacheLineAligned() {
        let array = AlignedArray<Float>(count: 1000)
        XCTAssertEqual(Int(bitPattern: array.pointer) % 64, 0)
        XCTAssertTrue((0..<array.count).allSatisfy { array.pointer[$0] == 0 })
    }

    /// A large array has a 2 MiB-aligned mapping of its own, counted while it lives, and leaves no address
    /// range behind: the huge-page advice goes with it instead of staying on a heap block.
    func testLargeArraysAreMappedForThemselvesAndUnmappedWhenFreed() throws {
        let before = HugePageMapping.mappedBytes
        var array: AlignedArray<Float>? = AlignedArray(count: (3 << 20) / 4 + 1)  // 3 MiB and 4 bytes
        let base = UnsafeMutableRawPointer(try XCTUnwrap(array?.pointer))
        XCTAssertEqual(Int(bitPattern: base) % (2 << 20), 0)
        XCTAssertEqual(HugePageMapping.mappedBytes - before, 4 << 20, "rounded up to two huge pages")
        XCTAssertTrue((0..<array!.count).allSatisfy { array!.pointer[$0] == 0 })
        array!.pointer[array!.count - 1] = 1
        var residency = [UInt8](repeating: 0, count: 1)
        XCTAssertEqual(mincore(base, 4096, &residency), 0, "mapped while the array lives")

        array = nil
        XCTAssertEqual(HugePageMapping.mappedBytes, before)
        XCTAssertEqual(mincore(base, 4096, &residency), -1, "the range is unmapped, not handed back to the heap")
        XCTAssertEqual(errno, ENOMEM)
    }
}
