import Foundation

/// Adds up, position by position, how a student's next-token distribution compares with the teacher's
/// (restricted to the student's vocabulary and renormalized) and with the actual next token.
struct TeacherComparison: Sendable {
    private(set) var positions = 0
    private var agreements = 0
    private var correct = 0
    private var kl = 0.0
    private var calibration = CalibrationBins()

    /// studentLogits [S] at temperature 1; teacherLogProbs [S], the restricted teacher; target the actual next id.
    mutating func add(studentLogits z: UnsafeBufferPointer<Float>, teacherLogProbs logp: UnsafeBufferPointer<Float>,
                      target: Int32) {
        precondition(z.count == logp.count)
        let logZ = Double(logSumExp(z))
        var studentBest = 0, teacherBest = 0
        var divergence = 0.0
        for s in 0..<z.count {
            if z[s] > z[studentBest] { studentBest = s }
            if logp[s] > logp[teacherBest] { teacherBest = s }
            let p = exp(Double(logp[s]))
            if p > 0 { divergence += p * (Double(logp[s]) - (Double(z[s]) - logZ)) }
        }
        positions += 1
        if studentBest == teacherBest { agreements += 1 }
        if studentBest == Int(target) { correct += 1 }
        kl += divergence
        calibration.add(confidence: exp(Double(z[studentBest]) - logZ), isCorrect: studentBest == Int(target))
    }

    func metrics(bitsPerByte: Double) -> StudentMetrics {
        let n = Double(max(positions, 1))
        return StudentMetrics(bitsPerByte: bitsPerByte, top1Agreement: Double(agreements) / n, klToTeacher: kl / n,
                              top1Accuracy: Double(correct) / n,
                              expectedCalibrationError: calibration.expectedCalibrationError)
    }
}

/// log sum exp(x), stably.
func logSumExp(_ x: UnsafeBufferPointer<Float>) -> Float {
    guard let m = x.max(), m.isFinite else { return x.max() ?? -.infinity }
    var sum = 0.0
    for v in x { sum += Double(expf(v - m)) }
    return m + Float(log(sum))
}
