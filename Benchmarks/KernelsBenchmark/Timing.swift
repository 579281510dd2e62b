import Foundation
import Kernels

enum Timing {
    /// Median seconds per call of `body`, over `repetitions` timed batches of `calls` calls each.
    static func median(calls: Int, repetitions: Int = 7, _ body: () -> Void) -> Double {
        for _ in 0..<max(1, calls / 4) { body() }
        var samples: [Double] = []
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<calls { body() }
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(calls))
        }
        return samples.sorted()[samples.count / 2]
    }

    static func randomMatrix(rows: Int, columns: Int) -> Q8Matrix {
        let values = (0..<rows * columns).map { _ in Float.random(in: -1...1) }
        return values.withUnsafeBufferPointer { try! Q8Matrix(float: $0, rows: rows, columns: columns) }
    }

    static func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
}
