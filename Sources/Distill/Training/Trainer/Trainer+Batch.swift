/// Token buffers of one micro-batch, allocated once.
final class BatchBuffers {
    let tokens: UnsafeMutableBufferPointer<Int32>  // [B, T] inputs
    let targets: UnsafeMutableBufferPointer<Int32>  // [B, T] next tokens

    init(count: Int) {
        tokens = .allocate(capacity: count)
        tokens.initialize(repeating: 0)
        targets = .allocate(capacity: count)
        targets.initialize(repeating: 0)
    }

    deinit {
        tokens.deallocate()
        targets.deallocate()
    }
}

extension Trainer {
    /// Fills the batch buffers with the next B sequences and returns their (mixed) teacher targets, or nil
    /// when the sequences carry none. Wraps to a new, reshuffled epoch at the end of the data.
    func loadNextBatch() throws -> TeacherTargets? {
        let sequences = try (0..<config.batchSize).map { _ in try nextSequence() }
        try fillTokens(sequences)
        return try teacherTargets(for: sequences)
    }

    /// Puts sequences' inputs and next-token targets into the batch buffers, row by row.
    func fillTokens(_ sequences: [TrainingSequence]) throws {
        let T = config.sequenceLength
        for (b, sequence) in sequences.enumerated() {
            guard sequence.tokens.count == T + 1 else {
                throw TrainingError.invalidBatch("a sequence has \(sequence.tokens.count) tokens, expected T + 1 = \(T + 1)")
            }
            for t in 0..<T {
                batch.tokens[b * T + t] = sequence.tokens[t]
                batch.targets[b * T + t] = sequence.tokens[t + 1]
            }
        }
    }

    /// Each sequence's teachers mixed with the loss's weights, stacked [sequences * T]; nil when some
    /// sequence has no teacher (an error if the loss needs one).
    func teacherTargets(for sequences: [TrainingSequence]) throws -> TeacherTargets? {
        let T = config.sequenceLength
        guard sequences.allSatisfy({ !$0.teachers.isEmpty }) else {
            if config.loss.needsTeacher {
                throw TrainingError.invalidTeacherTargets("loss \(config.loss.kind.rawValue) needs teacher targets on "
                                                          + "every sequence")
            }
            return nil
        }
        let mixed = try sequences.map { sequence in
            guard sequence.teachers.allSatisfy({ $0.positions == T }) else {
                throw TrainingError.invalidTeacherTargets("teacher targets must cover the T = \(T) input positions")
            }
            return try TeacherTargets.mixture(sequence.teachers, weights: config.loss.teacherWeights)
        }
        return try TeacherTargets.concatenate(mixed)
    }

    private func nextSequence() throws -> TrainingSequence {
        if cursor.index >= order.count {
            cursor = cursor.nextEpoch()
            order = cursor.order(count: data.sequenceCount, shuffle: config.shuffle)
        }
        let sequence = try data.sequence(at: order[cursor.index])
        cursor.index += 1
        return sequence
    }
}
