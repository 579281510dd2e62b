import CJemalloc
import Glibc

/// jemalloc's own view of the heap (the process allocator: the executable links it), for `/metrics`
/// and to check that a swapped-out model's memory really is returned.
public enum JemallocStats {
    public struct Snapshot: Sendable, Equatable {
        /// Bytes in live allocations.
        public var allocated: Int
        /// Bytes in physically resident pages jemalloc maps, its metadata included.
        public var resident: Int
    }

    /// nil when jemalloc is not the allocator or was built without statistics.
    public static func snapshot() -> Snapshot? {
        // the statistics are cached until the epoch advances
        var epoch: UInt64 = 1
        guard mallctl("epoch", nil, nil, &epoch, MemoryLayout<UInt64>.size) == 0 else { return nil }
        guard let allocated = read("stats.allocated"), let resident = read("stats.resident") else { return nil }
        return Snapshot(allocated: allocated, resident: resident)
    }

    /// Starts jemalloc's background purging threads. Without them an arena returns its freed pages only when
    /// it next allocates, so a swapped-out model freed by a thread that then goes quiet stays resident for
    /// minutes, and the process's RSS depends on which thread dropped the last reference. False when jemalloc
    /// is not the allocator.
    @discardableResult
    public static func startBackgroundPurging() -> Bool {
        var enable = true
        return mallctl("background_thread", nil, nil, &enable, MemoryLayout<Bool>.size) == 0
    }

    /// The arena the calling thread allocates from.
    package static func arenaOfCurrentThread() -> Int? {
        var arena: UInt32 = 0
        var size = MemoryLayout<UInt32>.size
        guard mallctl("thread.arena", &arena, &size, nil, 0) == 0 else { return nil }
        return Int(arena)
    }

    /// Bytes of freed pages `arena` still holds, not yet returned to the system.
    package static func dirtyBytes(arena: Int) -> Int? {
        var epoch: UInt64 = 1
        guard mallctl("epoch", nil, nil, &epoch, MemoryLayout<UInt64>.size) == 0,
              let pages = read("stats.arenas.\(arena).pdirty") else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    private static func read(_ name: String) -> Int? {
        var value = 0
        var size = MemoryLayout<Int>.size
        guard mallctl(name, &value, &size, nil, 0) == 0 else { return nil }
        return value
    }
}
