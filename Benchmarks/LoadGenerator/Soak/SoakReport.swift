/// A whole soak: its windows, and the verdict. It passes when no valid request failed, every invalid one got
/// the answer a healthy server gives, and after the warm-up the server's RSS and open descriptors grew by
/// less than `maxGrowth`: from the median of the first windows after the warm-up to the median of the last
/// as many (medians, so one window measured while the allocator still held freed pages cannot decide it).
struct SoakReport: Codable, Equatable {
    struct Configuration: Codable, Equatable {
        var url: String
        var durationSeconds: Double
        var windowSeconds: Double
        /// Closed-loop streaming clients, or open-loop arrivals per second.
        var concurrency: Int?
        var ratePerSecond: Double?
        var maxTokens: Int
        var reloadEverySeconds: Double
        var reloadModels: [String]
        var warmupWindows: Int
        var prompts: String
    }

    struct Growth: Codable, Equatable {
        /// Windows in each median: a third of those after the warm-up, at most 5.
        var span: Int
        /// The median of the first `span` windows after the warm-up, and of the last `span`.
        var baseline: Double
        var final: Double
        var min: Double
        var max: Double
        /// (final - baseline) / baseline.
        var fraction: Double

        init?(_ values: [Double?], warmupWindows: Int) {
            let measured = values.compactMap { $0 }
            guard measured.count == values.count, values.count > warmupWindows else { return nil }
            let after = Array(measured[warmupWindows...])
            span = Swift.max(1, Swift.min(5, after.count / 3))
            baseline = Self.median(after.prefix(span))
            final = Self.median(after.suffix(span))
            min = after.min() ?? baseline
            max = after.max() ?? baseline
            fraction = baseline > 0 ? (final - baseline) / baseline : 0
        }

        static func median(_ values: ArraySlice<Double>) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return 0 }
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }
    }

    static let maxGrowth = 0.05

    var configuration: Configuration
    var windows: [SoakWindow]
    var validRequests: Int
    var failedValid: Int
    var invalidRequests: Int
    var unexpected: Int
    var reloads: Int
    var rssMb: Growth?
    var openFds: Growth?
    var passed: Bool
    var verdict: String

    init(configuration: Configuration, windows: [SoakWindow]) {
        self.configuration = configuration
        self.windows = windows
        let total = windows.reduce(into: (valid: 0, failed: 0, invalid: 0, unexpected: 0, reloads: 0)) { sum, window in
            let side = window.sideActions.values.reduce(0, +)
            sum.valid += window.streamingRequests + window.nonStreamingRequests + window.reloads
            sum.invalid += side - window.nonStreamingRequests
            sum.failed += window.failedValid
            sum.unexpected += window.unexpected
            sum.reloads += window.reloads
        }
        validRequests = total.valid
        failedValid = total.failed
        invalidRequests = total.invalid
        unexpected = total.unexpected
        reloads = total.reloads
        rssMb = Growth(windows.map(\.rssMb), warmupWindows: configuration.warmupWindows)
        openFds = Growth(windows.map { $0.openFds.map(Double.init) }, warmupWindows: configuration.warmupWindows)

        var problems: [String] = []
        if failedValid > 0 { problems.append("\(failedValid) valid requests failed") }
        if unexpected > 0 { problems.append("\(unexpected) invalid requests got an unexpected answer") }
        for (name, growth) in [("RSS", rssMb), ("open descriptors", openFds)] {
            guard let growth else {
                problems.append("\(name) not measured after the warm-up")
                continue
            }
            if growth.fraction >= Self.maxGrowth {
                problems.append("\(name) grew \(Self.percent(growth.fraction)) after the warm-up")
            }
        }
        passed = problems.isEmpty
        verdict = passed ? "PASS" : "FAIL: " + problems.joined(separator: "; ")
    }

    static func percent(_ fraction: Double) -> String {
        "\((fraction * 1000).rounded() / 10)%"
    }
}
