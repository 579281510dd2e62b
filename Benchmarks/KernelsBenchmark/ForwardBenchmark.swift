import Foundation
import Kernels

/// One decode step of the benchmark student through every kernel, in the order an int8 Llama forward
/// calls them (d 256, 4 layers, NH = NKV = 4, HS 64, FFN 768, vocab 8192, position 64 as in the middle of
/// llama-bench's tg128). Not the Engine: a stand-in to see where a token's time goes.
enum ForwardBenchmark {
    static let d = 256, layers = 4, heads = 4, headSize = 64, ff = 768, vocab = 8192, context = 1024

    final class Layer {
        let qkv = Timing.randomMatrix(rows: 3 * d, columns: d), o = Timing.randomMatrix(rows: d, columns: d)
        let gateUp = Timing.randomMatrix(rows: 2 * ff, columns: d), down = Timing.randomMatrix(rows: d, columns: ff)
        let keys = UnsafeMutablePointer<Float>.allocate(capacity: context * d)    // (P, NKV * HS)
        let values = UnsafeMutablePointer<Float>.allocate(capacity: context * d)  // (P, NKV * HS)
        let norm = [Float](repeating: 1, count: d), ffnNorm = [Float](repeating: 1, count: d)
        init() {
            for i in 0..<context * d { keys[i] = .random(in: -1...1); values[i] = .random(in: -1...1) }
        }
    }

    static func steps(_ count: Int, pool: ThreadPool) {
        let state = State()
        for _ in 0..<count { state.step(pool: pool, path: .active) }
    }

    static func run(pools: [Int: ThreadPool]) {
        let state = State()
        print("== one decode step through every kernel (position \(State.position))")
        for path in KernelPath.supported where path != .portable {
            var line = "\(path):"
            for threads in [1, 2] {
                let seconds = Timing.median(calls: 400) { state.step(pool: pools[threads]!, path: path) }
                line += "  \(threads)T \(Timing.format(seconds * 1e6)) µs (\(Timing.format(1 / seconds, 0)) tok/s)"
            }
            print(line)
        }
    }

    /// Weights, cache and buffers, allocated once.
    final class State {
        static let position = ProcessInfo.processInfo.environment["BENCH_POSITION"].flatMap { Int($0) } ?? 64
        let model = (0..<layers).map { _ in Layer() }
        let head = Timing.randomMatrix(rows: vocab, columns: d)
        let table = try! RoPETable(maxPositions: context, dimensions: headSize, base: 10000)
        let x256 = try! Q8Activations(capacity: 1, columns: d), x768 = try! Q8Activations(capacity: 1, columns: ff)
        let residual = UnsafeMutablePointer<Float>.allocate(capacity: d)          // (C)
        let qkv = UnsafeMutablePointer<Float>.allocate(capacity: 3 * d)            // (3C): q, k, v
        let attended = UnsafeMutablePointer<Float>.allocate(capacity: d)          // (NH * HS)
        let projected = UnsafeMutablePointer<Float>.allocate(capacity: 2 * ff)    // (2 FF) or (C)
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: vocab)
        let finalNorm = [Float](repeating: 1, count: d)

        init() {
            for i in 0..<d { residual[i] = .random(in: -1...1) }
        }

        func step(pool: ThreadPool, path: KernelPath) {
            let position = Self.position
            for layer in model {
                Kernel.rmsNorm(x256, residual, layer.norm, rows: 1, columns: d, epsilon: 1e-5)
                Kernel.matMul(qkv, layer.qkv, x256, pool: pool, path: path)
                Kernel.rope(qkv, table, startPosition: position, tokens: 1, heads: 2 * heads, headSize: headSize)
                (layer.keys + position * d).update(from: qkv + d, count: d)
                (layer.values + position * d).update(from: qkv + 2 * d, count: d)
                Kernel.attention(attended, qkv, layer.keys, layer.values, startPosition: position, tokens: 1,
                                 heads: heads, kvHeads: heads, headSize: headSize, pool: pool, path: path)
                x256.quantize(attended, rows: 1)
                Kernel.matMul(projected, layer.o, x256, pool: pool, path: path)
                for i in 0..<d { residual[i] += projected[i] }
                Kernel.rmsNorm(x256, residual, layer.ffnNorm, rows: 1, columns: d, epsilon: 1e-5)
                Kernel.matMul(projected, layer.gateUp, x256, pool: pool, path: path)
                Kernel.swiGLU(x768, projected, projected + ff, rows: 1, columns: ff, path: path)
                Kernel.matMul(projected, layer.down, x768, pool: pool, path: path)
                for i in 0..<d { residual[i] = residual[i] * 0.5 + projected[i] }  // keeps values bounded
            }
            Kernel.rmsNorm(x256, residual, finalNorm, rows: 1, columns: d, epsilon: 1e-5)
            Kernel.matMul(logits, head, x256, pool: pool, path: path)
        }
    }
}
