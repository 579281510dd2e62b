import Foundation
import Tensors

extension FirstPieceMap {
    /// The teacher's full logits z[T, V] folded onto the student's vocabulary: out[t, s] = log Σ_{v -> s}
    /// exp(z[t, v] / temperature - m_t), m_t the row's largest z / temperature. These are log-probabilities at
    /// `temperature` up to one constant per row, so a row's softmax is the folded distribution. The sums run
    /// in Double over exponentials shifted by the row's maximum: nothing overflows, and the terms that matter
    /// keep their precision. A student token that receives nothing gets log(1e-300), which is finite (no
    /// -inf reaches the top-k or the loss) and vanishes next to any real term. Rows fold in parallel. [T, S]
    func fold(_ logits: [Float], rows T: Int, temperature: Float) -> [Float] {
        let V = studentIDs.count, S = studentVocabularySize
        precondition(logits.count == T * V, "expected \(T) rows of \(V) logits, got \(logits.count)")
        var out = [Float](repeating: 0, count: T * S)
        logits.withUnsafeBufferPointer { z in
            out.withUnsafeMutableBufferPointer { folded in
                studentIDs.withUnsafeBufferPointer { map in
                    Parallel.forEachChunk(rows: T, minimumRowsPerChunk: 1) { rows in
                        let e = UnsafeMutablePointer<Float>.allocate(capacity: V)  // [V] exp(z / temperature - m)
                        var sums = [Double](repeating: 0, count: S)
                        defer { e.deallocate() }
                        for t in rows {
                            let row = z.baseAddress! + t * V
                            let m = VectorMath.max(row, V) / temperature
                            _ = VectorMath.expScaledShifted(e, row, scale: 1 / temperature, shift: m, V)
                            for s in 0..<S { sums[s] = 0 }
                            for v in 0..<V where map[v] >= 0 { sums[Int(map[v])] += Double(e[v]) }
                            for s in 0..<S { folded[t * S + s] = Float(log(max(sums[s], 1e-300))) }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Top-k targets at `temperature` from folded rows [T, S] (see `fold`).
    func targets(folded: [Float], k: Int, temperature: Float) throws -> TeacherTargets {
        // the rows are already at `temperature`: their softmax at 1 is the distribution to compress
        let normalized = try TeacherTargets(logits: folded, vocabularySize: studentVocabularySize, k: k, temperature: 1)
        return TeacherTargets(validPositions: normalized.positions, k: k, temperature: temperature, ids: normalized.ids,
                              logprobs: normalized.logprobs, tailMass: normalized.tailMass)
    }
}
