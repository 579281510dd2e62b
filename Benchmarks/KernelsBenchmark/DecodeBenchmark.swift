import Foundation
import Kernels

/// The int8 products of one forward step of the benchmark student (d 256, 4 layers, FFN 768, vocab 8192),
/// with q/k/v and gate/up stacked: 5.5M weights, 5.8 MB per step, more than one core's L2, as in a real
/// decode loop. Only the products and activation quantization are timed, not norms or attention.
enum DecodeBenchmark {
    static func run(pools: [Int: ThreadPool], tokens: Int) {
        let layers = (0..<4).map { _ in
            (qkv: Timing.randomMatrix(rows: 768, columns: 256), o: Timing.randomMatrix(rows: 256, columns: 256),
             gateUp: Timing.randomMatrix(rows: 1536, columns: 256), down: Timing.randomMatrix(rows: 256, columns: 768))
        }
        let head = Timing.randomMatrix(rows: 8192, columns: 256)
        let weightBytes = layers.reduce(head.byteCount) { $0 + $1.qkv.byteCount + $1.o.byteCount + $1.gateUp.byteCount + $1.down.byteCount }
        let x256 = try! Q8Activations(capacity: tokens, columns: 256)
        let x768 = try! Q8Activations(capacity: tokens, columns: 768)
        let input = (0..<tokens * 768).map { _ in Float.random(in: -1...1) }
        var out = [Float](repeating: 0, count: tokens * 8192)
        let label = tokens == 1 ? "decode step" : "prefill \(tokens) tokens"
        print("== int8 products of one \(label), \(weightBytes / 1024) KiB of weights")
        for path in KernelPath.supported where tokens == 1 || path != .portable {
            var line = "\(path):"
            for threads in [1, 2] {
                let pool = pools[threads]
                let calls = path == .portable ? 3 : (tokens == 1 ? 300 : 10)
                let seconds = input.withUnsafeBufferPointer { input in
                    out.withUnsafeMutableBufferPointer { out in
                        Timing.median(calls: calls) {
                            for layer in layers {
                                x256.quantize(input.baseAddress!, rows: tokens)
                                Kernel.matMul(out.baseAddress!, layer.qkv, x256, pool: pool, path: path)
                                x256.quantize(input.baseAddress!, rows: tokens)
                                Kernel.matMul(out.baseAddress!, layer.o, x256, pool: pool, path: path)
                                x256.quantize(input.baseAddress!, rows: tokens)
                                Kernel.matMul(out.baseAddress!, layer.gateUp, x256, pool: pool, path: path)
                                x768.quantize(input.baseAddress!, rows: tokens)
                                Kernel.matMul(out.baseAddress!, layer.down, x768, pool: pool, path: path)
                            }
                            x256.quantize(input.baseAddress!, rows: tokens)
                            Kernel.matMul(out.baseAddress!, head, x256, pool: pool, path: path)
                        }
                    }
                }
                let gbs = Double(weightBytes) / seconds / 1e9
                line += "  \(threads)T \(Timing.format(seconds * 1e6)) µs (\(Timing.format(Double(tokens) / seconds, 0)) tok/s, \(Timing.format(gbs)) GB/s weights)"
            }
            print(line)
        }
    }
}
