/// The attention projections every decoder layer here has.
struct AttentionWeights {
    let wq: Matrix     // [NH * HS, C]
    let wk: Matrix     // [NKV * HS, C]
    let wv: Matrix     // [NKV * HS, C]
    let wo: Matrix     // [C, NH * HS]

    init(_ loader: WeightLoader, layer l: Int, config c: ModelConfig) throws(ModelError) {
        let C = c.embeddingLength
        wq = try loader.matrix("blk.\(l).attn_q.weight", rows: c.queryLength, columns: C)
        wk = try loader.matrix("blk.\(l).attn_k.weight", rows: c.kvLength, columns: C)
        wv = try loader.matrix("blk.\(l).attn_v.weight", rows: c.kvLength, columns: C)
        wo = try loader.matrix("blk.\(l).attn_output.weight", rows: C, columns: c.queryLength)
    }
}

/// A gated feed-forward block: down(act(gate x) * up x), SiLU for LLaMA, GELU for Gemma.
struct FeedForwardWeights {
    let gate: Matrix   // [FF, C]
    let up: Matrix     // [FF, C]
    let down: Matrix   // [C, FF]

    init(_ loader: WeightLoader, layer l: Int, config c: ModelConfig) throws(ModelError) {
        let C = c.embeddingLength, FF = c.feedForwardLength
        gate = try loader.matrix("blk.\(l).ffn_gate.weight", rows: FF, columns: C)
        up = try loader.matrix("blk.\(l).ffn_up.weight", rows: FF, columns: C)
        down = try loader.matrix("blk.\(l).ffn_down.weight", rows: C, columns: FF)
    }
}
