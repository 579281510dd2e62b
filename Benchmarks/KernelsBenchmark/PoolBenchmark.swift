import Foundation
import Kernels
import Synchronization

/// The fixed cost of one parallelFor: publish, wake a spinning worker, claim, wait for completion.
enum PoolBenchmark {
    static func run(pools: [Int: ThreadPool]) {
        print("== thread pool round trip (µs per parallelFor with a trivial body)")
        let sink = Atomic<Int>(0)
        for threads in [1, 2] {
            let seconds = Timing.median(calls: 20_000) {
                pools[threads]!.parallelFor(32) { range in sink.add(range.count, ordering: .relaxed) }
            }
            print("\(threads)T: \(Timing.format(seconds * 1e6, 3)) µs")
        }
    }
}
