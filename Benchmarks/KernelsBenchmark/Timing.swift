import Foundation
import Kernels

enum Timing {
    /// Seconds per call of `body`: the fastest of `repetitions` timed batches of `calls` calls each. On two
    /// cores shared with other jobs the median mostly measures the neighbours; the minimum is the figure a
    /// quiet machine gives (set BENCH_MEDIAN=1 for medians).
    /// BENCH_CPU=1 times the calling thread's CPU time instead of wall time: immune to being descheduled,
    /// meaningful for one thread only.
    /// BENCH_BATCH=n times batches of n calls (more, shorter batches find the quiet moments of a shared
    /// machine); BENCH_REPS sets how many batches.
    static func median(calls: Int, repetitions: Int = 15, _ body: () -> Void) -> Double {
        for _ in 0..<max(1, calls / 4) { body() }
        var samples: [Double] = []
        let environment = ProcessInfo.processInfo.environment
        let batch = environment["BENCH_BATCH"].flatMap { Int($0) } ?? max(1, calls / 4)
        let repetitions = environment["BENCH_REPS"].flatMap { Int($0) } ?? repetitions
        for _ in 0..<repetitions {
            let start = now()
            for _ in 0..<batch { body() }
            samples.append(Double(now() - start) / 1e9 / Double(batch))
        }
        samples.sort()
        return ProcessInfo.processInfo.environment["BENCH_MEDIAN"] == "1" ? samples[samples.count / 2] : samples[0]
    }

    static let cpuTime = ProcessInfo.processInfo.environment["BENCH_CPU"] == "1"

    static func now() -> UInt64 {
        guard cpuTime else { return DispatchTime.now().uptimeNanoseconds }
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    static func randomMatrix(rows: Int, columns: Int) -> Q8Matrix {
        let values = (0..<rows * columns).map { _ in Float.random(in: -1...1) }
        return values.withUnsafeBufferPointer { try! Q8Matrix(float: $0, rows: rows, columns: columns) }
    }

    static func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
}
