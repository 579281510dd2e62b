import Foundation
import Kernels

/// Weight bytes streamed per second as the working set grows past L1, L2 and L3: where decode stops being
/// compute-bound. Two ways to keep the output head from evicting layer weights that could stay in L2 were
/// tried and dropped: non-temporal prefetches (5x slower, they bypass the L2 streamer) and cldemote after
/// each line (2x slower).
enum SweepBenchmark {
    static func run(pools: [Int: ThreadPool]) {
        print("== int8 matvec over a cycle of 1536x256 matrices (GB/s of weights)")
        let x = try! Q8Activations(capacity: 1, columns: 256)
        let input = (0..<256).map { _ in Float.random(in: -1...1) }
        input.withUnsafeBufferPointer { x.quantize($0.baseAddress!, rows: 1) }
        var out = [Float](repeating: 0, count: 8192)
        for count in [1, 2, 4, 6, 8, 10, 14, 20, 40] {
            let matrices = (0..<count).map { _ in Timing.randomMatrix(rows: 1536, columns: 256) }
            let bytes = matrices.reduce(0) { $0 + $1.byteCount }
            var line = "\(bytes / 1024) KiB:"
            for threads in [1, 2] {
                let seconds = out.withUnsafeMutableBufferPointer { out in
                    Timing.median(calls: max(20, 400 / count)) {
                        for m in matrices { Kernel.matMul(out.baseAddress!, m, x, pool: pools[threads], path: .best) }
                    }
                }
                line += "  \(threads)T \(Timing.format(Double(bytes) / seconds / 1e9)) GB/s"
            }
            print(line)
        }
    }
}
