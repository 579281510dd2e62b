import Foundation
import Tensors

extension TeacherTargets {
    /// Compresses full logits [N, V] to top-k targets at `temperature`: the k most likely ids with their
    /// log-probabilities under softmax(logits / temperature), and the exact mass of all other ids
    /// (summed directly, not as 1 - sum, so a confident teacher keeps a tiny but accurate tail).
    public init(logits: [Float], vocabularySize V: Int, k: Int, temperature: Float) throws {
        guard V > 0, logits.count % V == 0 else {
            throw TrainingError.invalidTeacherTargets("\(logits.count) logits are not rows of \(V)")
        }
        guard k > 0, k <= V else { throw TrainingError.invalidTeacherTargets("k = \(k) must be in 1...\(V)") }
        guard temperature > 0, temperature.isFinite else {
            throw TrainingError.invalidTeacherTargets("temperature must be positive, got \(temperature)")
        }
        let N = logits.count / V
        var ids = [Int32](repeating: Self.padding, count: N * k), logprobs = [Float](repeating: 0, count: N * k)
        var tail = [Float](repeating: 0, count: N)
        var scratch = [Float](repeating: 0, count: V)  // [V] exp(u - max)
        logits.withUnsafeBufferPointer { z in
            scratch.withUnsafeMutableBufferPointer { e in
                for n in 0..<N {
                    let row = z.baseAddress! + n * V
                    let top = Self.largest(k, of: row, V)
                    let m = VectorMath.max(row, V) / temperature
                    _ = VectorMath.expScaledShifted(e.baseAddress!, row, scale: 1 / temperature, shift: m, V)
                    var topSum = 0.0
                    for id in top { topSum += Double(e[id]); e[id] = 0 }
                    var tailSum = 0.0
                    for v in 0..<V { tailSum += Double(e[v]) }
                    let logZ = log(topSum + tailSum)
                    for (j, id) in top.enumerated() {
                        ids[n * k + j] = Int32(id)
                        logprobs[n * k + j] = Float(Double(row[id] / temperature - m) - logZ)
                    }
                    tail[n] = Float(tailSum / (topSum + tailSum))
                }
            }
        }
        self.init(validPositions: N, k: k, temperature: temperature, ids: ids, logprobs: logprobs, tailMass: tail)
    }

    /// Indices of the k largest values, largest first (ties: lower index first). One pass with a small
    /// sorted list: almost every value fails the comparison with the current k-th best.
    static func largest(_ k: Int, of row: UnsafePointer<Float>, _ V: Int) -> [Int] {
        var best: [Int] = []
        best.reserveCapacity(k + 1)
        for v in 0..<V {
            if best.count == k, row[v] <= row[best[k - 1]] { continue }
            var i = best.count
            while i > 0, row[best[i - 1]] < row[v] { i -= 1 }
            best.insert(v, at: i)
            if best.count > k { best.removeLast() }
        }
        return best
    }
}
