import Engine
import Foundation
import Tensors

/// Per-position results of the loss; sums are taken in position order so they are reproducible.
package struct LossSums: Sendable, Equatable {
    package var loss = 0.0
    package var kl = 0.0  // forward KL to the teacher on the buckets; 0 without a teacher
    package var crossEntropy = 0.0
    package var positions = 0

    package mutating func add(_ other: LossSums) {
        loss += other.loss
        kl += other.kl
        crossEntropy += other.crossEntropy
        positions += other.positions
    }
}

/// The last layer of the graph: logits [N, V] -> per-position loss, and its backward dL/dlogits.
/// The backward recomputes the softmax rows rather than storing [N, V] probabilities (twice, when the
/// temperature is not 1); both directions share `LossRow` so they cannot disagree. llm.c fuses its
/// classifier the same way in its later versions.
package enum LossLayer {
    /// Returns the sums over N positions of loss, KL and CE.
    package static func forward(
        _ logits: UnsafePointer<Float>, _ targets: UnsafePointer<Int32>, _ teacher: TeacherTargets?,
        _ loss: DistillationLoss, _ N: Int, _ V: Int
    ) throws -> LossSums {
        try validate(targets, teacher, loss, N, V)
        let perRow = FloatBuffer(count: 3 * N)  // [N, 3] loss, kl, ce
        run(loss, teacher, N, V) { rowLoss, n in
            let r = rowLoss.evaluate(logits + n * V, target: targets[n], teacherRow: n, dlogits: nil, dloss: 0)
            perRow[3 * n] = r.loss
            perRow[3 * n + 1] = r.kl
            perRow[3 * n + 2] = r.crossEntropy
        }
        return sum(perRow, N)
    }

    /// Sums per-row (loss, kl, ce) [N, 3] in row order.
    private static func sum(_ perRow: FloatBuffer, _ N: Int) -> LossSums {
        var sums = LossSums(positions: N)
        for n in 0..<N {
            sums.loss += Double(perRow[3 * n])
            sums.kl += Double(perRow[3 * n + 1])
            sums.crossEntropy += Double(perRow[3 * n + 2])
        }
        return sums
    }

    /// dlogits [N, V] = dloss * dL_n/dlogits_n for every position n (overwritten, not accumulated).
    /// The backward recomputes the forward on the way, so it also returns the same sums as `forward`:
    /// training calls only this (one pass over the logits instead of two).
    @discardableResult
    package static func backward(
        _ dlogits: UnsafeMutablePointer<Float>,
        _ logits: UnsafePointer<Float>, _ targets: UnsafePointer<Int32>, _ teacher: TeacherTargets?,
        _ loss: DistillationLoss, dloss: Float, _ N: Int, _ V: Int
    ) throws -> LossSums {
        try validate(targets, teacher, loss, N, V)
        let perRow = FloatBuffer(count: 3 * N)  // [N, 3] loss, kl, ce
        run(loss, teacher, N, V) { rowLoss, n in
            let r = rowLoss.evaluate(logits + n * V, target: targets[n], teacherRow: n, dlogits: dlogits + n * V,
                                     dloss: dloss)
            perRow[3 * n] = r.loss
            perRow[3 * n + 1] = r.kl
            perRow[3 * n + 2] = r.crossEntropy
        }
        return sum(perRow, N)
    }

    /// Rows are independent: each chunk of rows gets its own `LossRow` (and its [V] scratch).
    private static func run(
        _ loss: DistillationLoss, _ teacher: TeacherTargets?, _ N: Int, _ V: Int, _ body: (inout LossRow, Int) -> Void
    ) {
        Parallel.forEachChunk(rows: N, minimumRowsPerChunk: 8) { rows in
            var rowLoss = LossRow(loss: loss, teacher: teacher, vocabularySize: V)
            for n in rows { body(&rowLoss, n) }
        }
    }

    static func validate(
        _ targets: UnsafePointer<Int32>, _ teacher: TeacherTargets?, _ loss: DistillationLoss, _ N: Int, _ V: Int
    ) throws {
        for n in 0..<N where targets[n] < 0 || Int(targets[n]) >= V {
            throw TrainingError.invalidBatch("target id \(targets[n]) outside the vocabulary [0, \(V))")
        }
        guard let teacher else {
            if loss.needsTeacher {
                throw TrainingError.invalidTeacherTargets("loss \(loss.kind.rawValue) needs teacher targets")
            }
            return
        }
        guard teacher.positions == N else {
            throw TrainingError.invalidTeacherTargets("\(teacher.positions) teacher positions for \(N) logits rows")
        }
        guard Int(teacher.maximumId) < V else {
            throw TrainingError.invalidTeacherTargets("teacher id \(teacher.maximumId) outside the student's vocabulary \(V)")
        }
        guard teacher.temperature == loss.temperature else {
            throw TrainingError.invalidTeacherTargets(
                "teacher targets are at temperature \(teacher.temperature), the loss at \(loss.temperature)")
        }
    }
}
