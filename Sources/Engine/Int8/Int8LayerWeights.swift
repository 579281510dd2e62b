import Kernels
import Tensors

/// One decoder layer's weights for the int8 kernels. Projections that read the same input are stacked, so
/// one activation quantization and one kernel call serve them all. The norms a family adds are optional and
/// present exactly when the file has them: Gemma 3 normalizes each query and key head, and each branch's
/// output before it joins the residual; LLaMA does neither.
struct Int8LayerWeights: Sendable {
    let attentionNorm: FloatBuffer        // (C)
    let qkv: Q8Matrix                     // (NH * HS + 2 * NKV * HS, C): q, then k, then v
    let queryNorm: FloatBuffer?           // (HS) RMSNorm of each query head, before RoPE
    let keyNorm: FloatBuffer?             // (HS) RMSNorm of each key head, before RoPE
    let output: Q8Matrix                  // (C, NH * HS)
    let postAttentionNorm: FloatBuffer?   // (C) RMSNorm of the attention branch, before the residual
    let ffnNorm: FloatBuffer              // (C)
    let gateUp: Q8Matrix                  // (2 * FF, C): gate, then up
    let down: Q8Matrix                    // (C, FF)
    let postFFNNorm: FloatBuffer?         // (C) RMSNorm of the feed-forward branch, before the residual

    init(_ loader: Q8WeightLoader, layer l: Int, config c: ModelConfig) throws(ModelError) {
        let C = c.embeddingLength, FF = c.feedForwardLength, HS = c.headSize
        attentionNorm = try loader.vector("blk.\(l).attn_norm.weight", count: C)
        qkv = try Self.stack([
            loader.matrix("blk.\(l).attn_q.weight", rows: c.queryLength, columns: C),
            loader.matrix("blk.\(l).attn_k.weight", rows: c.kvLength, columns: C),
            loader.matrix("blk.\(l).attn_v.weight", rows: c.kvLength, columns: C),
        ])
        queryNorm = try loader.optionalVector("blk.\(l).attn_q_norm.weight", count: HS)
        keyNorm = try loader.optionalVector("blk.\(l).attn_k_norm.weight", count: HS)
        guard (queryNorm == nil) == (keyNorm == nil) else {
            throw .missingTensor("blk.\(l).attn_\(queryNorm == nil ? "q" : "k")_norm.weight")
        }
        output = try loader.matrix("blk.\(l).attn_output.weight", rows: C, columns: c.queryLength)
        postAttentionNorm = try loader.optionalVector("blk.\(l).post_attention_norm.weight", count: C)
        ffnNorm = try loader.vector("blk.\(l).ffn_norm.weight", count: C)
        gateUp = try Self.stack([
            loader.matrix("blk.\(l).ffn_gate.weight", rows: FF, columns: C),
            loader.matrix("blk.\(l).ffn_up.weight", rows: FF, columns: C),
        ])
        down = try loader.matrix("blk.\(l).ffn_down.weight", rows: C, columns: FF)
        postFFNNorm = try loader.optionalVector("blk.\(l).post_ffw_norm.weight", count: C)
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
