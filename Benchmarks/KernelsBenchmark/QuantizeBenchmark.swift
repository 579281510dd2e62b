import Foundation
import Kernels

enum QuantizeBenchmark {
    static func run() {
        print("== activation quantization (µs per call)")
        for (rows, columns) in [(1, 256), (1, 768), (128, 256)] {
            let x = try! Q8Activations(capacity: rows, columns: columns)
            let input = (0..<rows * columns).map { _ in Float.random(in: -1...1) }
            let seconds = input.withUnsafeBufferPointer { input in
                Timing.median(calls: 2000) { x.quantize(input.baseAddress!, rows: rows) }
            }
            print("\(rows)x\(columns): \(Timing.format(seconds * 1e6, 3)) µs")
        }
    }
}
