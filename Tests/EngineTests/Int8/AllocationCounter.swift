import CJemalloc
import Synchronization

/// Counts heap allocations of the whole process through jemalloc, which the test binary links as its
/// allocator (as the `distillery` executable does). Two independent counters:
/// - jemalloc's per-thread `thread.allocated` byte counter, for the calling thread;
/// - jemalloc's allocation hooks (`experimental.hooks.install`), called for every allocation on every thread,
///   the kernel pool's workers included.
enum AllocationCounter {
    /// Bytes allocated so far by the calling thread.
    static func threadAllocatedBytes() -> UInt64 {
        var value: UInt64 = 0
        var size = MemoryLayout<UInt64>.size
        let status = mallctl("thread.allocated", &value, &size, nil, 0)
        precondition(status == 0, "mallctl thread.allocated failed (\(status)): jemalloc is not the allocator")
        return value
    }

    /// Runs `body` with a hook installed and returns how many allocations (and in-place expansions) any
    /// thread made meanwhile, or nil when this jemalloc has no hooks.
    static func allocations(during body: () throws -> Void) rethrows -> Int? {
        let hooks = UnsafeMutablePointer<UnsafeRawPointer?>.allocate(capacity: 4)   // jemalloc's hooks_t
        defer { hooks.deallocate() }
        hooks[0] = unsafeBitCast(allocHook, to: UnsafeRawPointer.self)
        hooks[1] = nil
        hooks[2] = unsafeBitCast(expandHook, to: UnsafeRawPointer.self)
        hooks[3] = nil
        var handle: UnsafeMutableRawPointer?
        var handleSize = MemoryLayout<UnsafeMutableRawPointer?>.size
        guard mallctl("experimental.hooks.install", &handle, &handleSize, hooks, 4 * MemoryLayout<UnsafeRawPointer>.size) == 0
        else { return nil }
        let before = hookCount.load(ordering: .sequentiallyConsistent)
        try body()
        let after = hookCount.load(ordering: .sequentiallyConsistent)
        _ = mallctl("experimental.hooks.remove", nil, nil, &handle, MemoryLayout<UnsafeMutableRawPointer?>.size)
        return after - before
    }
}

private let hookCount = Atomic<Int>(0)

private let allocHook: @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafeMutableRawPointer?, UInt,
                                       UnsafeMutablePointer<UInt>?) -> Void = { _, _, _, _, _ in
    hookCount.add(1, ordering: .relaxed)
}

private let expandHook: @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafeMutableRawPointer?, Int, Int, UInt,
                                        UnsafeMutablePointer<UInt>?) -> Void = { _, _, _, _, _, _, _ in
    hookCount.add(1, ordering: .relaxed)
}
