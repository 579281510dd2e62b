import Foundation
import Kernels

/// One matrix called over and over: its weights stay in L1/L2, so this is the kernels' compute ceiling.
enum MatVecBenchmark {
    static let shapes = [(256, 256), (768, 256), (1536, 256), (256, 768), (8192, 256)]

    static func run(pools: [Int: ThreadPool]) {
        print("== int8 matvec, hot cache (N x K, µs per call, GOP/s = 2NK / time)")
        for (rows, columns) in shapes {
            let matrix = Timing.randomMatrix(rows: rows, columns: columns)
            let x = try! Q8Activations(capacity: 1, columns: columns)
            let input = (0..<columns).map { _ in Float.random(in: -1...1) }
            input.withUnsafeBufferPointer { x.quantize($0.baseAddress!, rows: 1) }
            var out = [Float](repeating: 0, count: rows)
            for path in KernelPath.supported {
                var line = "\(rows)x\(columns) \(path):"
                for threads in [1, 2] {
                    let calls = path == .portable ? 20 : max(200, 2_000_000 / (rows * columns / 64))
                    let seconds = out.withUnsafeMutableBufferPointer { out in
                        Timing.median(calls: calls) {
                            Kernel.matMul(out.baseAddress!, matrix, x, pool: pools[threads], path: path)
                        }
                    }
                    let gops = 2 * Double(rows * columns) / seconds / 1e9
                    line += "  \(threads)T \(Timing.format(seconds * 1e6, 2)) µs (\(Timing.format(gops)) GOP/s)"
                }
                print(line)
            }
        }
    }
}
