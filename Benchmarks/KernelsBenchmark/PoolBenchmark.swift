import Foundation
import Kernels
import Synchronization

/// The fixed cost of one parallelFor (publish, wake a spinning worker, claim, wait for completion), and
/// how often two 10 µs chunks really run side by side: on a shared machine the worker is often not on a
/// core when the caller publishes.
enum PoolBenchmark {
    static func run(pools: [Int: ThreadPool]) {
        print("== thread pool round trip (µs per parallelFor with a trivial job)")
        let sink = UnsafeMutablePointer<Int>.allocate(capacity: 64)
        sink.initialize(repeating: 0, count: 64)
        for threads in [1, 2] {
            let seconds = Timing.median(calls: 20_000) {
                pools[threads]!.parallelFor(32, context: UnsafeRawPointer(sink)) { context, lower, _ in
                    // Each participant writes its own cache line.
                    UnsafeMutablePointer(mutating: context.assumingMemoryBound(to: Int.self))[lower / 16 * 8] += 1
                }
            }
            print("\(threads)T: \(Timing.format(seconds * 1e6, 3)) µs")
        }
        var times: [Double] = []
        let caller = pthread_self()
        let byWorker = Atomic<Int>(0)
        for _ in 0..<2000 {
            let start = DispatchTime.now().uptimeNanoseconds
            pools[2]!.parallelFor(2, grain: 1) { _ in
                if pthread_self() != caller { byWorker.add(1, ordering: .relaxed) }
                let begin = DispatchTime.now().uptimeNanoseconds
                while DispatchTime.now().uptimeNanoseconds - begin < 10_000 {}
            }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
        }
        times.sort()
        let sideBySide = times.filter { $0 < 15 }.count
        print("two 10 µs chunks: min \(Timing.format(times[0])) µs, median \(Timing.format(times[1000])) µs, "
              + "side by side in \(sideBySide) of 2000, worker ran \(byWorker.load(ordering: .relaxed)) chunks")
    }
}
