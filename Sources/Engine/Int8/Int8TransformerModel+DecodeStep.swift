/// The scratch of a batched decode step for up to `capacity` sequences, and their logits. Owned by the
/// caller that schedules the sequences (the server's engine thread) and reused every step.
public final class Int8DecodeBatch {
    public let capacity: Int
    let config: ModelConfig
    let workspace: Int8Workspace

    init(config: ModelConfig, capacity: Int) {
        self.capacity = capacity
        self.config = config
        workspace = Int8Workspace(config: config, rows: capacity, logitRows: capacity)
    }

    /// Row b of the last step's logits: sequence b's next-token logits (V).
    public func logits(_ b: Int) -> UnsafeBufferPointer<Float> {
        precondition(b >= 0 && b < capacity)
        let V = config.vocabularySize
        return UnsafeBufferPointer(start: workspace.logits.pointer + b * V, count: V)
    }
}

extension Int8TransformerModel {
    /// A batch for `decodeStep` of up to `capacity` sequences at once (at least 1).
    public func makeDecodeBatch(capacity: Int) -> Int8DecodeBatch {
        Int8DecodeBatch(config: config, capacity: max(1, capacity))
    }

    /// Advances B independent sequences by one token each: tokens[b] at positions[b] of states[b], whose
    /// caches hold positions 0..<positions[b]. Every weight matrix is read once for all B rows, which is
    /// what makes serving B streams cost little more than one: decode is bound by reading weights.
    /// Returns the logits (B, V), row b for sequence b, valid until the batch's next step. Allocates nothing.
    public func decodeStep(tokens: [Int32], positions: [Int], states: [Int8TransformerState],
                           batch: Int8DecodeBatch) throws(InferenceError) -> UnsafeBufferPointer<Float> {
        let B = tokens.count
        guard B > 0 else { throw .emptyBatch }
        guard positions.count == B, states.count == B else {
            throw .stateMismatch("a decode step needs one position and one state per token")
        }
        guard B <= batch.capacity, batch.config == config else {
            throw .stateMismatch("the decode batch holds \(batch.capacity) sequences of its own model, asked \(B)")
        }
        for b in 0..<B {
            try validate(states[b])
            try validate(token: tokens[b])
            guard positions[b] >= 0, positions[b] < states[b].contextLength else {
                throw .contextFull(position: max(positions[b], 0), contextLength: states[b].contextLength)
            }
            for other in 0..<b where states[other] === states[b] {
                throw .stateMismatch("one state appears twice in a decode step")
            }
        }

        let w = batch.workspace, C = config.embeddingLength
        for b in 0..<B { embed(w.residual.pointer + b * C, token: tokens[b]) }
        withPool(rows: B) { pool in
            runLayers(w, rows: B, layout: .independent(states, positions), logitRowsFrom: 0, pool: pool)
            computeLogits(w.logits.pointer, w, firstRow: 0, rows: B, pool: pool)
        }
        return UnsafeBufferPointer(start: w.logits.pointer, count: B * config.vocabularySize)
    }
}
