import Kernels

/// One Llama decoder layer's weights for the int8 kernels. Projections that read the same input are
/// stacked, so one activation quantization and one kernel call serve them all.
struct Int8LayerWeights: Sendable {
    let attentionNorm: FloatBuffer   // (C)
    let qkv: Q8Matrix                // (NH * HS + 2 * NKV * HS, C): q, then k, then v
    let output: Q8Matrix             // (C, NH * HS)
    let ffnNorm: FloatBuffer         // (C)
    let gateUp: Q8Matrix             // (2 * FF, C): gate, then up
    let down: Q8Matrix               // (C, FF)

    init(_ loader: Q8WeightLoader, layer l: Int, config c: ModelConfig) throws(ModelError) {
        let C = c.embeddingLength, FF = c.feedForwardLength
        attentionNorm = try loader.vector("blk.\(l).attn_norm.weight", count: C)
        qkv = try Self.stack([
            loader.matrix("blk.\(l).attn_q.weight", rows: c.queryLength, columns: C),
            loader.matrix("blk.\(l).attn_k.weight", rows: c.kvLength, columns: C),
            loader.matrix("blk.\(l).attn_v.weight", rows: c.kvLength, columns: C),
        ])
        output = try loader.matrix("blk.\(l).attn_output.weight", rows: C, columns: c.queryLength)
        ffnNorm = try loader.vector("blk.\(l).ffn_norm.weight", count: C)
        gateUp = try Self.stack([
            loader.matrix("blk.\(l).ffn_gate.weight", rows: FF, columns: C),
            loader.matrix("blk.\(l).ffn_up.weight", rows: FF, columns: C),
        ])
        down = try loader.matrix("blk.\(l).ffn_down.weight", rows: C, columns: FF)
    }

    private static func stack(_ parts: [Q8Matrix]) throws(ModelError) -> Q8Matrix {
        do {
            return try Q8Matrix(stacking: parts)
        } catch {
            throw .inconsistent("cannot stack projections: \(error)")
        }
    }

    var byteCount: Int { qkv.byteCount + output.byteCount + gateUp.byteCount + down.byteCount }
}
