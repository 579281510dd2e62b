import Engine
import Foundation
import Tokenizer

/// Measures students against their teachers on the held-out documents:
/// - bits per byte of any model under its own tokenizer (`Engine.Evaluator`, sliding windows of T), so
///   teacher and students with different vocabularies compare fairly;
/// - on the held-out text packed like the training data (student tokens), per position: the teachers'
///   distribution over their whole vocabulary, the share of it outside the student's vocabulary, and the
///   teachers' distribution over the student's vocabulary as the training targets make it (the kept tokens
///   renormalized, or with `firstPieces` every token folded onto its first student piece), against which each
///   student's top-1 agreement, KL, accuracy and calibration are taken.
struct HeldOutEvaluation {
    let teachers: [Teacher]
    let vocabulary: StudentVocabulary
    let documents: [CorpusDocument]
    let contextLength: Int  // T
    /// One per teacher when the targets fold the teacher's distribution (`OutsideVocabularyTargets.firstPiece`).
    var firstPieces: [FirstPieceMap]? = nil

    var bytes: Int { documents.reduce(0) { $0 + $1.byteCount } }

    /// The held-out text in student tokens packed like the training data: windows of T, each scoring T - 1
    /// positions.
    private var windows: [[Int32]] {
        let tokenizer = vocabulary.tokenizer
        return TokenWindows.pack(vocabulary.encode(documents), length: contextLength,
                                 bos: tokenizer.addsBOSByDefault ? tokenizer.bosID : nil, eos: tokenizer.eosID,
                                 keepPartialLast: true).filter { $0.count >= 2 }
    }

    /// The positions `compare` scores, for a run that skips it.
    var positions: Int { windows.reduce(0) { $0 + $1.count - 1 } }

    /// Bits per byte of the documents, each scored on its own with BOS first when the tokenizer adds one.
    func bitsPerByte(_ model: some LanguageModel, tokenizer: Tokenizer) throws -> Double {
        try Evaluator(model: model, contextLength: contextLength).bitsPerByte(
            documents: documents.map { tokenizer.encode($0.text, addBOS: tokenizer.addsBOSByDefault) }, byteCount: bytes)
    }

    /// Line completion on `lines` evenly spaced held-out lines, in windows of T tokens: each line may take
    /// up to T/2 of them (64 at most), its prompt the rest.
    func lineCompletion(_ model: some LanguageModel, tokenizer: Tokenizer, lines: Int) throws -> LineCompletionScore {
        let tasks = LineCompletionTask.select(from: documents.map(\.text), count: lines)
        let maxTokens = min(LineCompletionTask.defaultMaxTokens, contextLength / 2)
        return try LineCompletion(model: model, tokenizer: tokenizer, contextLength: contextLength, maxTokens: maxTokens)
            .score(tasks)
    }

    struct Comparison {
        var students: [TeacherComparison]
        /// Mean teacher mass outside the student's vocabulary per position.
        var outsideMass: Double
        var positions: Int
    }

    /// `weights` mixes the teachers (normalized here); `students` are models over the student vocabulary.
    func compare(students: [any LanguageModel], weights: [Float]) throws -> Comparison {
        let S = vocabulary.size, T = contextLength
        let forwards = try teachers.map { try makeTeacherForward($0.model, teacherIDs: vocabulary.teacherIDs, contextLength: T) }
        let total = Double(weights.reduce(0, +))
        var comparisons = Array(repeating: TeacherComparison(), count: students.count)
        var outside = 0.0, positions = 0
        for window in windows {
            let n = window.count - 1
            let inputs = window.prefix(n)
            // p [n, S]: the teachers' restricted distributions mixed by weight
            var probabilities = [Double](repeating: 0, count: n * S)
            for (t, forward) in forwards.enumerated() {
                let w = Double(weights[t]) / total
                let logits = try forward.fullLogits(inputs)  // [n, V]
                let folded = firstPieces?[t].fold(logits, rows: n, temperature: 1)  // [n, S]
                for i in 0..<n {
                    let (restricted, outsideMass) = restrict(logits, row: i, V: forward.vocabularySize)
                    outside += w * outsideMass
                    let target = folded.map { logSoftmax(Array($0[(i * S)..<((i + 1) * S)])) } ?? restricted
                    for s in 0..<S { probabilities[i * S + s] += w * exp(Double(target[s])) }
                }
            }
            let mixture = probabilities.map { Float(log($0)) }  // [n, S] log p
            for (j, student) in students.enumerated() {
                let logits = try allLogits(student, Array(inputs))
                logits.withUnsafeBufferPointer { z in
                    mixture.withUnsafeBufferPointer { p in
                        for i in 0..<n {
                            comparisons[j].add(studentLogits: UnsafeBufferPointer(rebasing: z[(i * S)..<((i + 1) * S)]),
                                               teacherLogProbs: UnsafeBufferPointer(rebasing: p[(i * S)..<((i + 1) * S)]),
                                               target: window[i + 1])
                        }
                    }
                }
            }
            positions += n
        }
        return Comparison(students: comparisons, outsideMass: outside / Double(max(positions, 1)), positions: positions)
    }

    private func logSoftmax(_ u: [Float]) -> [Float] {
        let lse = u.withUnsafeBufferPointer { logSumExp($0) }
        return u.map { $0 - lse }
    }

    /// logits [T, V] of a sequence from position 0.
    private func allLogits<M: LanguageModel>(_ model: M, _ tokens: [Int32]) throws -> [Float] {
        try model.forward(tokens: tokens, startPosition: 0, state: model.makeState(contextLength: contextLength),
                          logits: .allTokens)
    }

    /// Row i of full teacher logits [n, V]: log-probabilities of the student's tokens renormalized among
    /// themselves [S], and the probability of every other token.
    private func restrict(_ logits: [Float], row i: Int, V: Int) -> ([Float], Double) {
        logits.withUnsafeBufferPointer { all in
            let row = UnsafeBufferPointer(rebasing: all[(i * V)..<((i + 1) * V)])
            let full = logSumExp(row)
            let kept = vocabulary.teacherIDs.map { row[Int($0)] }
            let keptLSE = kept.withUnsafeBufferPointer { logSumExp($0) }
            return (kept.map { $0 - keptLSE }, max(0, 1 - exp(Double(keptLSE - full))))
        }
    }
}
