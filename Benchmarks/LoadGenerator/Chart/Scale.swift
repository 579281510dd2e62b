import Foundation

/// Maps data values onto pixels along one axis and picks readable ticks. Linear scales widen the data's
/// range to "nice" steps (1, 2 or 5 times a power of ten); logarithmic ones to whole decades, unless the
/// ticks are given (e.g. the concurrencies measured).
struct Scale: Equatable {
    enum Kind: Equatable {
        case linear
        case logarithmic
    }

    var kind: Kind
    var lower: Double
    var upper: Double
    var ticks: [Double]
    /// Pixels of `lower` and `upper`; `rangeEnd` may be smaller than `rangeStart` (a y axis grows upwards).
    var rangeStart: Double = 0
    var rangeEnd: Double = 1

    func position(_ value: Double) -> Double {
        let fraction: Double
        switch kind {
        case .linear:
            fraction = (value - lower) / (upper - lower)
        case .logarithmic:
            // Zero or negative values (e.g. inter-token gaps of chunks that arrived together) sit at the edge.
            fraction = (log10(max(value, lower)) - log10(lower)) / (log10(upper) - log10(lower))
        }
        return rangeStart + (rangeEnd - rangeStart) * fraction
    }

    static func linear(covering values: [Double], includingZero: Bool = false, tickCount: Int = 5) -> Scale {
        var finite = values.filter(\.isFinite)
        if includingZero { finite.append(0) }
        guard var low = finite.min(), var high = finite.max() else {
            return Scale(kind: .linear, lower: 0, upper: 1, ticks: [0, 0.5, 1])
        }
        if low == high {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= pad
            high += pad
        }
        let step = niceStep((high - low) / Double(max(1, tickCount)))
        var lower = (low / step).rounded(.down) * step
        var upper = (high / step).rounded(.up) * step
        // Rounding can land a hair inside the data (13 * 0.001 > 0.013): widen by a step then.
        if lower > low { lower -= step }
        if upper < high { upper += step }
        let count = Int(((upper - lower) / step).rounded())
        let ticks = (0 ... count).map { lower + Double($0) * step }
        return Scale(kind: .linear, lower: lower, upper: upper, ticks: ticks)
    }

    static func logarithmic(covering values: [Double]) -> Scale {
        let positive = values.filter { $0.isFinite && $0 > 0 }
        guard let low = positive.min(), let high = positive.max() else {
            return Scale(kind: .logarithmic, lower: 1, upper: 10, ticks: [1, 10])
        }
        let lowerExponent = Int(log10(low).rounded(.down))
        var upperExponent = Int(log10(high).rounded(.up))
        if upperExponent == lowerExponent { upperExponent += 1 }
        let lower = pow(10, Double(lowerExponent)), upper = pow(10, Double(upperExponent))
        let multiples: [Double] = upperExponent - lowerExponent <= 2 ? [1, 2, 5] : [1]
        var ticks: [Double] = []
        for exponent in lowerExponent ... upperExponent {
            let decade = pow(10, Double(exponent))
            for multiple in multiples where multiple * decade <= upper * (1 + 1e-9) { ticks.append(multiple * decade) }
        }
        return Scale(kind: .logarithmic, lower: lower, upper: upper, ticks: ticks)
    }

    /// A logarithmic scale spanning exactly the given positive ticks (and values), e.g. 1, 4, 16, 64.
    static func logarithmic(ticks: [Double], covering values: [Double]) -> Scale {
        let positive = (ticks + values).filter { $0.isFinite && $0 > 0 }
        guard var low = positive.min(), var high = positive.max() else { return logarithmic(covering: []) }
        if low == high {
            low /= 2
            high *= 2
        }
        return Scale(kind: .logarithmic, lower: low, upper: high, ticks: ticks.filter { $0 > 0 }.sorted())
    }

    /// 1, 2 or 5 times a power of ten, at least `rough`.
    static func niceStep(_ rough: Double) -> Double {
        guard rough > 0, rough.isFinite else { return 1 }
        let magnitude = pow(10, log10(rough).rounded(.down))
        for multiple in [1.0, 2, 5, 10] where multiple * magnitude >= rough * (1 - 1e-9) {
            return multiple * magnitude
        }
        return 10 * magnitude
    }

    /// A tick label: whole numbers without decimals, others with three significant digits.
    static func label(_ value: Double) -> String {
        if abs(value) < 1e-12 { return "0" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(format: "%.3g", value)
    }
}
