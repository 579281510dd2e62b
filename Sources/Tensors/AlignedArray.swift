#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A fixed-size, cache-line-aligned, zero-filled array that frees itself with its owner. Kernels load whole
/// 64-byte lines from it, and the decode loop never reallocates it.
///
/// Arrays of 512 KiB or more (weight matrices) are padded to whole 2 MiB pages and asked to be backed by
/// transparent huge pages (`MADV_HUGEPAGE`; this machine's kernel gives anonymous memory huge pages only on
/// request): a decode step streams every weight once, and with 4 KiB pages it takes a TLB miss every 4 KiB.
/// llama.cpp's weights, mmapped from the page cache, already get huge pages here (`FileHugePages` in
/// /proc/meminfo). Measured on a 47 MB gemma3 student, one thread: decode 117-153 tok/s with 4 KiB pages,
/// 173-213 with huge pages from 2 MiB up, 246-264 from 512 KiB up, for 10 and 21 MiB more RSS.
///
/// Those arrays are mapped for themselves and unmapped when freed, not taken from the heap: the huge-page
/// advice belongs to the address range, so a heap block that once held weights kept it after a swapped-out
/// model was freed, and khugepaged filled the heap's purged holes back to whole 2 MiB pages. The one-hour
/// soak's RSS crept 18 MiB that way while the live heap stayed flat.
package final class AlignedArray<Element: BitwiseCopyable>: @unchecked Sendable {
    package static var alignment: Int { 64 }
    package static var hugePage: Int { 2 << 20 }
    /// Arrays from this size up get huge pages; below it, padding to 2 MiB would more than quadruple them.
    package static var hugePageThreshold: Int { 512 << 10 }
    package let pointer: UnsafeMutablePointer<Element>
    package let count: Int
    /// Bytes of the array's own mapping; 0 when it lives on the heap.
    private let mappedByteCount: Int

    package init(count: Int) {
        self.count = count
        let byteCount = max(count, 1) * MemoryLayout<Element>.stride
        let raw: UnsafeMutableRawPointer
        if byteCount >= Self.hugePageThreshold, let mapping = HugePageMapping.map(byteCount: byteCount) {
            (raw, mappedByteCount) = mapping
        } else {
            raw = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: Self.alignment)
            raw.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
            mappedByteCount = 0
        }
        pointer = raw.bindMemory(to: Element.self, capacity: max(count, 1))
    }

    deinit {
        if mappedByteCount > 0 {
            HugePageMapping.unmap(UnsafeMutableRawPointer(pointer), byteCount: mappedByteCount)
        } else {
            UnsafeMutableRawPointer(pointer).deallocate()
        }
    }
}

/// The anonymous mappings behind large `AlignedArray`s, and the bytes they hold in all (`/metrics`).
package enum HugePageMapping {
    private static let mapped = Atomic<Int>(0)

    /// Bytes currently mapped for large arrays: the weights of every loaded model, outside the heap's count.
    package static var mappedBytes: Int { mapped.load(ordering: .relaxed) }

    /// A 2 MiB-aligned, zero-filled mapping of `byteCount` rounded up to whole 2 MiB pages, with its size;
    /// nil if the system refuses (the caller falls back to the heap).
    static func map(byteCount: Int) -> (UnsafeMutableRawPointer, Int)? {
        #if canImport(Glibc)
        let page = AlignedArray<UInt8>.hugePage
        let size = (byteCount + page - 1) / page * page
        // one extra huge page of slack, trimmed off both ends once the aligned start is known
        guard let reserved = mmap(nil, size + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              reserved != MAP_FAILED else { return nil }
        let start = (Int(bitPattern: reserved) + page - 1) / page * page
        let head = start - Int(bitPattern: reserved), tail = page - head
        if head > 0 { munmap(reserved, head) }
        let base = UnsafeMutableRawPointer(bitPattern: start)!
        if tail > 0 { munmap(base + size, tail) }
        // before the first touch, so the zero fill below faults huge pages in; a refusal leaves 4 KiB pages
        _ = madvise(base, size, MADV_HUGEPAGE)
        // the pages are zero already; writing them faults them in now rather than in the first decode step
        base.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        mapped.add(size, ordering: .relaxed)
        return (base, size)
        #else
        return nil
        #endif
    }

    static func unmap(_ base: UnsafeMutableRawPointer, byteCount: Int) {
        #if canImport(Glibc)
        munmap(base, byteCount)
        mapped.subtract(byteCount, ordering: .relaxed)
        #endif
    }
}
