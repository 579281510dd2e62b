/// Mean loss, KL to the teacher and cross-entropy per position on held-out sequences.
public struct Evaluation: Sendable, Equatable {
    public var loss: Double
    public var kl: Double?
    public var crossEntropy: Double
    public var positions: Int
}

extension Trainer {
    /// Forward only, B sequences at a time through the training graph (a short last batch is padded and
    /// its padding rows left out of the sums). Does not touch the optimizer or the data position.
    public func evaluate(_ sequences: [TrainingSequence]) throws -> Evaluation {
        try withConfiguredThreads { try unthreadedEvaluate(sequences) }
    }

    private func unthreadedEvaluate(_ sequences: [TrainingSequence]) throws -> Evaluation {
        let B = config.batchSize, T = config.sequenceLength, V = model.config.vocabularySize
        var sums = LossSums()
        var sawTeacher = true
        for start in stride(from: 0, to: sequences.count, by: B) {
            let real = Array(sequences[start..<min(start + B, sequences.count)])
            let padded = real + Array(repeating: real[0], count: B - real.count)
            try fillTokens(padded)
            let teacher = try teacherTargets(for: real)
            sawTeacher = sawTeacher && teacher != nil
            try graph.forward(tokens: UnsafeBufferPointer(batch.tokens))
            let part = try LossLayer.forward(graph.logits.pointer, batch.targets.baseAddress!, teacher, config.loss,
                                             real.count * T, V)
            sums.add(part)
        }
        let n = Double(max(sums.positions, 1))
        return Evaluation(loss: sums.loss / n, kl: sawTeacher ? sums.kl / n : nil, crossEntropy: sums.crossEntropy / n,
                          positions: sums.positions)
    }
}
