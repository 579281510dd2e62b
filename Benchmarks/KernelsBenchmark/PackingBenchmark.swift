import Foundation
import Kernels

/// Load-time cost: repacking ggml Q8_0 bytes into the interleaved layout.
enum PackingBenchmark {
    static func run() {
        let rows = 8192, columns = 256
        var bytes = [UInt8](repeating: 0, count: rows * columns / 32 * 34)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        for block in 0..<rows * columns / 32 { bytes[block * 34] = 0; bytes[block * 34 + 1] = 0x20 }
        let seconds = bytes.withUnsafeBytes { raw in
            Timing.median(calls: 8, repetitions: 3) { _ = try! Q8Matrix(q8_0: raw, rows: rows, columns: columns) }
        }
        print("== repack \(rows)x\(columns) Q8_0: \(Timing.format(seconds * 1e3, 2)) ms")
    }
}
