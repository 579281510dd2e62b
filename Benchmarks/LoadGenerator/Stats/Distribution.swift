/// Order statistics of one latency measure. Percentiles interpolate linearly between the two nearest ranks
/// (numpy's default), so p50 of [1, 2] is 1.5 and every percentile lies within [min, max].
struct Distribution: Codable, Equatable {
    var count: Int
    var mean: Double
    var min: Double
    var p50: Double
    var p90: Double
    var p99: Double
    var max: Double

    init(_ values: [Double]) {
        let sorted = values.sorted()
        count = sorted.count
        mean = Self.microseconds(sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count))
        min = sorted.first ?? 0
        max = sorted.last ?? 0
        p50 = Self.microseconds(Self.percentile(sorted, 0.50))
        p90 = Self.microseconds(Self.percentile(sorted, 0.90))
        p99 = Self.microseconds(Self.percentile(sorted, 0.99))
    }

    /// The `q`-quantile (0...1) of ascending `sorted` values; 0 for no values.
    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = Swift.min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }

    /// Quantiles at 0, 0.01, ..., 1 and then 0.995 and 0.999 inserted in order: a CDF small enough to keep.
    static let cdfLevels: [Double] = {
        var levels = (0 ... 100).map { Double($0) / 100 }
        levels.insert(contentsOf: [0.995, 0.999], at: 100)
        return levels
    }()

    static func cdf(_ values: [Double]) -> [Double] {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return [] }
        return cdfLevels.map { microseconds(percentile(sorted, $0)) }
    }

    /// Milliseconds rounded to the microsecond, the resolution they were measured at.
    static func microseconds(_ milliseconds: Double) -> Double {
        (milliseconds * 1000).rounded() / 1000
    }
}
