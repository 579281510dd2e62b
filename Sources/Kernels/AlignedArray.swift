/// A fixed-size, cache-line-aligned, zero-filled array that frees itself with its owner. Kernels load whole
/// 64-byte lines from it, and the decode loop never reallocates it.
final class AlignedArray<Element: BitwiseCopyable>: @unchecked Sendable {
    static var alignment: Int { 64 }
    let pointer: UnsafeMutablePointer<Element>
    let count: Int

    init(count: Int) {
        self.count = count
        let byteCount = max(count, 1) * MemoryLayout<Element>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: Self.alignment)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        pointer = raw.bindMemory(to: Element.self, capacity: max(count, 1))
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}
