import Foundation
import Kernels

/// One matrix called over and over: its weights stay in L1/L2, so this is the kernels' compute ceiling.
enum MatVecBenchmark {
    static let shapes = [(256, 256), (768, 256), (1536, 256), (256, 768), (8192, 256)]

    /// tokens 1: the decode matvec; more: the prefill matmul. `corrected`: every token carries the correction
    /// term (two vpdpbusd per weight load).
    static func run(pools: [Int: ThreadPool], tokens: Int = 1, corrected: Bool = false) {
        let kind = (tokens == 1 ? "matvec" : "matmul T=\(tokens)") + (corrected ? ", corrected" : "")
        print("== int8 \(kind), hot cache (N x K, µs per call, GOP/s = 2NKT / time)")
        for (rows, columns) in shapes {
            let matrix = Timing.randomMatrix(rows: rows, columns: columns)
            let x = try! Q8Activations(capacity: tokens, columns: columns, corrections: corrected)
            if corrected { x.correctedFrom = 0 }
            let input = (0..<tokens * columns).map { _ in Float.random(in: -1...1) }
            input.withUnsafeBufferPointer { x.quantize($0.baseAddress!, rows: tokens) }
            var out = [Float](repeating: 0, count: rows * tokens)
            for path in KernelPath.supported where tokens == 1 || path != .portable {
                var line = "\(rows)x\(columns) \(path):"
                for threads in [1, 2] {
                    let calls = path == .portable ? 20 : max(20, 2_000_000 / (rows * columns * tokens / 64))
                    let seconds = out.withUnsafeMutableBufferPointer { out in
                        Timing.median(calls: calls) {
                            Kernel.matMul(out.baseAddress!, matrix, x, pool: pools[threads], path: path)
                        }
                    }
                    let gops = 2 * Double(rows * columns * tokens) / seconds / 1e9
                    line += "  \(threads)T \(Timing.format(seconds * 1e6, 2)) µs (\(Timing.format(gops)) GOP/s)"
                }
                print(line)
            }
        }
    }
}
