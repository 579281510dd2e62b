/// Where llama.cpp's batch (one ubatch) would hold a token, which decides its rounding under `Numerics.ggml`: the
/// K-quant kernels depend on the batch's size and the row's place in it, and the last layer's feed-forward runs
/// only on the rows whose logits are wanted.
struct GGMLBatchRow {
    var row: KQuantDotLikeGGML.BatchRow
    var lastFeedForwardRow: KQuantDotLikeGGML.BatchRow

    /// A token decoded on its own.
    static let alone = GGMLBatchRow(index: 0, count: 1, logits: .lastToken)

    init(index: Int, count: Int, logits: LogitSelection) {
        row = KQuantDotLikeGGML.BatchRow(index: index, count: count)
        if case .lastToken = logits {
            lastFeedForwardRow = KQuantDotLikeGGML.BatchRow(index: 0, count: 1)
        } else {
            lastFeedForwardRow = row
        }
    }
}

extension ReferenceModel {
    /// T tokens at once: as matrix products in f32, or with `Numerics.ggml` token by token, each rounded as its
    /// row of llama.cpp's batch would be.
    public func forward(tokens: [Int32], startPosition: Int, state: any ModelState,
                        logits selection: LogitSelection) throws(InferenceError) -> [Float] {
        let state: InferenceState = try own(state)
        switch numerics {
        case .float32: return try forwardBatched(tokens: tokens, startPosition: startPosition, state: state, logits: selection)
        case .ggml: return try forwardLikeLlamaCpp(tokens: tokens, startPosition: startPosition, state: state, logits: selection)
        }
    }

    /// T tokens one at a time, each rounded as its row of llama.cpp's batch, which holds 512 tokens (a ubatch)
    /// at most.
    func forwardLikeLlamaCpp(tokens: [Int32], startPosition: Int, state: InferenceState,
                             logits selection: LogitSelection) throws(InferenceError) -> [Float] {
        let ubatch = 512
        return try gatherLogits(tokens: tokens, startPosition: startPosition, logits: selection) {
            i, token, position throws(InferenceError) in
            let first = i / ubatch * ubatch
            let row = GGMLBatchRow(index: i - first, count: min(ubatch, tokens.count - first), logits: selection)
            return try forward(token: token, position: position, state: state,
                               arithmetic: LlamaCppArithmetic(state: state, batchRow: row))
        }
    }
}
