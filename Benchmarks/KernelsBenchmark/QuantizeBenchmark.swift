import Foundation
import Kernels

enum QuantizeBenchmark {
    static func run() {
        print("== activation quantization (µs per call; corrected: every row carries the 16-bit correction)")
        for (rows, columns) in [(1, 256), (1, 768), (128, 256)] {
            for corrected in [false, true] {
                let x = try! Q8Activations(capacity: rows, columns: columns, corrections: corrected)
                if corrected { x.correctedFrom = 0 }
                let input = (0..<rows * columns).map { _ in Float.random(in: -1...1) }
                var line = "\(rows)x\(columns)\(corrected ? " corrected" : ""):"
                for path in KernelPath.supported {
                    let seconds = input.withUnsafeBufferPointer { input in
                        Timing.median(calls: 2000) { x.quantize(input.baseAddress!, rows: rows, path: path) }
                    }
                    line += "  \(path) \(Timing.format(seconds * 1e6, 3)) µs"
                }
                print(line)
            }
        }
    }
}
