import Foundation
import Kernels

/// The f32 kernels at decode sizes of the benchmark student (d 256, NH 4, HS 64, FFN 768, vocab 8192).
enum F32Benchmark {
    static func run(pools: [Int: ThreadPool]) {
        print("== f32 kernels (µs per call)")
        let x = (0..<8192 * 256).map { _ in Float.random(in: -1...1) }
        var out = [Float](repeating: 0, count: 8192)
        let weight = [Float](repeating: 1, count: 256)
        x.withUnsafeBufferPointer { xs in
            let x = xs.baseAddress!
            out.withUnsafeMutableBufferPointer { outs in
                let out = outs.baseAddress!
                report("rmsNorm 256") { Kernel.rmsNorm(out, x, weight, rows: 1, columns: 256, epsilon: 1e-5) }
                let q8 = try! Q8Activations(capacity: 1, columns: 256)
                report("rmsNorm 256 -> int8") { Kernel.rmsNorm(q8, x, weight, rows: 1, columns: 256, epsilon: 1e-5) }
                for path in KernelPath.supported {
                    report("softmax 8192 \(path)") { Kernel.softmax(out, x, count: 8192, path: path) }
                    report("swiGLU 768 \(path)") { Kernel.swiGLU(out, x, x + 768, count: 768, path: path) }
                }
                let table = try! RoPETable(maxPositions: 1024, dimensions: 64, base: 10000)
                report("rope q+k (8 heads x 64)") {
                    Kernel.rope(out, table, startPosition: 100, tokens: 1, heads: 8, headSize: 64)
                }
                for threads in [1, 2] {
                    report("matVec f32 8192x256 \(threads)T") {
                        Kernel.matVec(out, x, x, rows: 8192, columns: 256, pool: pools[threads])
                    }
                }
                let halves = UnsafeMutablePointer<Float16>.allocate(capacity: 1024 * 256 * 2)
                Kernel.convert(halves, x, count: 1024 * 256 * 2)
                for positions in [64, 1024] {
                    for path in KernelPath.supported {
                        report("attention f16 cache, \(positions) positions, \(path) 1T") {
                            Kernel.attention(out, x, halves, halves + 1024 * 256, startPosition: positions - 1, tokens: 1,
                                             heads: 4, kvHeads: 4, headSize: 64, path: path)
                        }
                    }
                }
                for positions in [64, 128, 512, 1024] {
                    for path in KernelPath.supported {
                        for threads in [1, 2] {
                            report("attention NH 4 HS 64, \(positions) positions, \(path) \(threads)T") {
                                Kernel.attention(out, x, x + 4096, x + 600_000, startPosition: positions - 1, tokens: 1,
                                                 heads: 4, kvHeads: 4, headSize: 64, pool: pools[threads], path: path)
                            }
                        }
                    }
                }
            }
        }
    }

    static func report(_ label: String, _ body: () -> Void) {
        let seconds = Timing.median(calls: 2000, body)
        print("\(label): \(Timing.format(seconds * 1e6, 3)) µs")
    }
}
