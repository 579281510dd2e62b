import Foundation

extension TeacherTargets {
    /// Mixes several teachers that share one vocabulary into one target, per position:
    /// p(id) = sum over teachers of weight * p_teacher(id) for every id in the union of their top-k, and
    /// tail = sum of weight * tail_teacher. An id outside one teacher's top-k gets nothing from that
    /// teacher: its share stays inside that teacher's tail, so the mixture still sums to 1.
    /// Weights are normalized to sum to 1. Entries come out most likely first.
    public static func mixture(_ teachers: [TeacherTargets], weights: [Float]) throws -> TeacherTargets {
        guard let first = teachers.first else { throw TrainingError.invalidTeacherTargets("no teachers to mix") }
        guard weights.count == teachers.count else {
            throw TrainingError.invalidTeacherTargets("\(teachers.count) teachers but \(weights.count) weights")
        }
        guard weights.allSatisfy({ $0 >= 0 && $0.isFinite }), weights.reduce(0, +) > 0 else {
            throw TrainingError.invalidTeacherTargets("teacher weights must be non-negative with a positive sum")
        }
        guard teachers.allSatisfy({ $0.positions == first.positions && $0.temperature == first.temperature }) else {
            throw TrainingError.invalidTeacherTargets("teachers to mix must cover the same positions at one temperature")
        }
        // A zero-weight teacher is left out entirely: its ids must not become (empty) buckets of their own.
        let kept = zip(teachers, weights).filter { $0.1 > 0 }
        if kept.count == 1 { return kept[0].0 }
        let teachers = kept.map(\.0)
        let total = Double(kept.reduce(0) { $0 + $1.1 })
        let w = kept.map { Double($0.1) / total }
        let N = first.positions, K = teachers.map(\.k).reduce(0, +)
        var ids = [Int32](repeating: padding, count: N * K), logprobs = [Float](repeating: 0, count: N * K)
        var tail = [Float](repeating: 0, count: N)
        for n in 0..<N {
            var mass: [Int32: Double] = [:]
            var tailMass = 0.0
            for (t, teacher) in teachers.enumerated() {
                for j in 0..<teacher.k where teacher.ids[n * teacher.k + j] != padding {
                    mass[teacher.ids[n * teacher.k + j], default: 0] += w[t] * exp(Double(teacher.logprobs[n * teacher.k + j]))
                }
                tailMass += w[t] * Double(teacher.tailMass[n])
            }
            let ordered = mass.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
            for (j, entry) in ordered.enumerated() {
                ids[n * K + j] = entry.key
                logprobs[n * K + j] = Float(log(entry.value))
            }
            tail[n] = Float(tailMass)
        }
        return TeacherTargets(validPositions: N, k: K, temperature: first.temperature, ids: ids, logprobs: logprobs,
                              tailMass: tail)
    }
}
