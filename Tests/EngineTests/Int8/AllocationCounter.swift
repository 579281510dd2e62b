import CJemalloc
import Foundation
import Kernels
import Synchronization
import XCTest

/// Reads jemalloc's per-thread allocation counters. The test binary links jemalloc as its allocator (as the
/// `distillery` executable does), so every heap allocation of a thread, from Swift or C, moves its counter.
/// Each thread's counter is read through the pointer jemalloc gives that thread (`thread.allocatedp`), so the
/// counters of a pool's workers can be read from the test's thread while they run.
enum AllocationCounter {
    /// Skips the calling test in `make sanitize`, whose builds keep the sanitizer's allocator (Package.swift);
    /// anywhere else a missing jemalloc stays a failure.
    static func skipInSanitizerBuilds() throws {
        try XCTSkipIf(ProcessInfo.processInfo.environment["DISTILLERY_SANITIZE"] != nil,
                      "a sanitizer build: jemalloc is not the allocator")
    }

    /// The calling thread's counter of bytes allocated so far.
    static func currentThread() -> UnsafeMutablePointer<UInt64> {
        var pointer: UnsafeMutablePointer<UInt64>?
        var size = MemoryLayout<UnsafeMutablePointer<UInt64>?>.size
        let status = mallctl("thread.allocatedp", &pointer, &size, nil, 0)
        precondition(status == 0 && pointer != nil, "mallctl thread.allocatedp failed (\(status)): jemalloc is not the allocator")
        return pointer!
    }

    /// The counters of every participant of `pool`: the caller's and each worker's.
    static func participants(of pool: ThreadPool) -> [UnsafeMutablePointer<UInt64>] {
        let counters = Mutex<[ObjectIdentifier: UInt]>([:])   // thread -> its counter's address
        let key = { ObjectIdentifier(Thread.current) }
        // one chunk per participant: each holds its chunk until all have claimed one
        while counters.withLock({ $0.count }) < pool.threadCount {
            pool.parallelFor(pool.threadCount, grain: 1) { _ in
                let address = UInt(bitPattern: currentThread()), thread = key()
                counters.withLock { $0[thread] = address }
                let start = DispatchTime.now().uptimeNanoseconds
                while counters.withLock({ $0.count }) < pool.threadCount,
                      DispatchTime.now().uptimeNanoseconds - start < 50_000_000 { usleep(100) }
            }
        }
        return counters.withLock { $0.values.map { UnsafeMutablePointer(bitPattern: $0)! } }
    }

    /// Bytes the threads behind `counters` allocate while `body` runs.
    static func bytes(allocatedBy counters: [UnsafeMutablePointer<UInt64>], during body: () throws -> Void) rethrows -> UInt64 {
        let before = counters.map { $0.pointee }
        try body()
        return zip(counters, before).reduce(0) { $0 + ($1.0.pointee - $1.1) }
    }
}
