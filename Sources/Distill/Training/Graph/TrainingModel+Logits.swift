extension TrainingModel {
    /// logits [B, T, V] for tokens [B, T]: a forward pass outside training (evaluation, or a small
    /// teacher in tests). Allocates a graph per call; the trainer keeps one instead.
    /// `threads` sets OpenBLAS's thread count for the call (nil: leave it).
    public func logits(tokens: [Int32], batchSize B: Int, sequenceLength T: Int, threads: Int? = nil) throws -> [Float] {
        let graph = try TrainingGraph(model: self, batchSize: B, sequenceLength: T)
        try BLASThreads.with(threads) {
            try tokens.withUnsafeBufferPointer { try graph.forward(tokens: $0) }
        }
        return graph.logits.array
    }
}
