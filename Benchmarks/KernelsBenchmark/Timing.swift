import Foundation
import Kernels

enum Timing {
    /// Seconds per call of `body`: the fastest of `repetitions` timed batches of `calls` calls each. On two
    /// cores shared with other jobs the median mostly measures the neighbours; the minimum is the figure a
    /// quiet machine gives (set BENCH_MEDIAN=1 for medians).
    static func median(calls: Int, repetitions: Int = 15, _ body: () -> Void) -> Double {
        for _ in 0..<max(1, calls / 4) { body() }
        var samples: [Double] = []
        let batch = max(1, calls / 4)
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<batch { body() }
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(batch))
        }
        samples.sort()
        return ProcessInfo.processInfo.environment["BENCH_MEDIAN"] == "1" ? samples[samples.count / 2] : samples[0]
    }

    static func randomMatrix(rows: Int, columns: Int) -> Q8Matrix {
        let values = (0..<rows * columns).map { _ in Float.random(in: -1...1) }
        return values.withUnsafeBufferPointer { try! Q8Matrix(float: $0, rows: rows, columns: columns) }
    }

    static func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
}
