import Synchronization

/// A Prometheus histogram with fixed upper bounds (seconds), cumulative when rendered.
final class Histogram: Sendable {
    private struct Counts {
        var buckets: [UInt64]
        var sum = 0.0
        var count: UInt64 = 0
    }

    let bounds: [Double]
    private let counts: Mutex<Counts>

    init(bounds: [Double]) {
        precondition(bounds == bounds.sorted() && !bounds.isEmpty)
        self.bounds = bounds
        counts = Mutex(Counts(buckets: [UInt64](repeating: 0, count: bounds.count)))
    }

    func observe(_ value: Double) {
        // the first bound at or above the value; above all of them counts only in +Inf
        let index = bounds.firstIndex { value <= $0 }
        counts.withLock { counts in
            if let index { counts.buckets[index] += 1 }
            counts.sum += value
            counts.count += 1
        }
    }

    var count: UInt64 { counts.withLock { $0.count } }

    func render(name: String, help: String, into out: inout String) {
        let snapshot = counts.withLock { $0 }
        out += "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        var cumulative: UInt64 = 0
        for (bound, count) in zip(bounds, snapshot.buckets) {
            cumulative += count
            out += "\(name)_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        out += "\(name)_bucket{le=\"+Inf\"} \(snapshot.count)\n"
        out += "\(name)_sum \(snapshot.sum)\n\(name)_count \(snapshot.count)\n"
    }

    /// vLLM's buckets, with finer ones below 10 ms because a small student's tokens take well under that.
    static let latencyBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,
                                          0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0]
}
