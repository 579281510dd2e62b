/// Expected calibration error of top-1 predictions (Guo et al. 2017): predictions binned by confidence
/// into equal-width bins; ECE = sum over bins of (share of predictions) * |accuracy - mean confidence|.
struct CalibrationBins: Sendable, Equatable {
    private(set) var count: [Int]
    private(set) var correct: [Int]
    private(set) var confidence: [Double]

    init(bins: Int = 15) {
        count = Array(repeating: 0, count: bins)
        correct = Array(repeating: 0, count: bins)
        confidence = Array(repeating: 0, count: bins)
    }

    mutating func add(confidence p: Double, isCorrect: Bool) {
        let bin = min(count.count - 1, max(0, Int(p * Double(count.count))))
        count[bin] += 1
        if isCorrect { correct[bin] += 1 }
        confidence[bin] += p
    }

    var expectedCalibrationError: Double {
        let total = count.reduce(0, +)
        guard total > 0 else { return .nan }
        var error = 0.0
        for bin in count.indices where count[bin] > 0 {
            let n = Double(count[bin])
            error += n / Double(total) * abs(Double(correct[bin]) / n - confidence[bin] / n)
        }
        return error
    }
}
