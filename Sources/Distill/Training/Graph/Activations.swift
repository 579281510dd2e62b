import Engine
import Tensors

/// Everything the forward pass keeps for the backward pass, allocated once for a (B, T) like llm.c's
/// `ActivationTensors`. N = B*T rows.
final class Activations {
    final class Layer {
        let attentionNormed: FloatBuffer  // [N, C]
        let attentionRstd: FloatBuffer  // [N]
        let query: FloatBuffer  // [N, NH*HS] after the head norms (gemma3) and RoPE
        let key: FloatBuffer  // [N, NKV*HS] after the head norms (gemma3) and RoPE
        let value: FloatBuffer  // [N, NKV*HS]
        let attention: FloatBuffer  // [B, NH, T, T] softmax weights
        let attentionMixed: FloatBuffer  // [N, NH*HS] att @ v, input of attn_output
        let residualMid: FloatBuffer  // [N, C] residual after the attention block
        let ffnNormed: FloatBuffer  // [N, C]
        let ffnRstd: FloatBuffer  // [N]
        let gate: FloatBuffer  // [N, F]
        let up: FloatBuffer  // [N, F]
        let swiglu: FloatBuffer  // [N, F] act(gate) * up, input of ffn_down
        // gemma3 only (empty for llama): what the head norms and the post-branch norms read
        let queryRaw: FloatBuffer  // [N, NH*HS] attn_q's output
        let keyRaw: FloatBuffer  // [N, NKV*HS] attn_k's output
        let queryRstd: FloatBuffer  // [N*NH]
        let keyRstd: FloatBuffer  // [N*NKV]
        let attentionProjected: FloatBuffer  // [N, C] attn_output's output
        let postAttentionRstd: FloatBuffer  // [N]
        let ffnProjected: FloatBuffer  // [N, C] ffn_down's output
        let postFFNRstd: FloatBuffer  // [N]

        init(_ c: TrainingModelConfig, B: Int, T: Int) {
            let N = B * T, C = c.embeddingLength, HS = c.headSize, F = c.feedForwardLength
            attentionNormed = FloatBuffer(count: N * C)
            attentionRstd = FloatBuffer(count: N)
            query = FloatBuffer(count: N * c.headCount * HS)
            key = FloatBuffer(count: N * c.kvHeadCount * HS)
            value = FloatBuffer(count: N * c.kvHeadCount * HS)
            attention = FloatBuffer(count: B * c.headCount * T * T)
            attentionMixed = FloatBuffer(count: N * c.headCount * HS)
            residualMid = FloatBuffer(count: N * C)
            ffnNormed = FloatBuffer(count: N * C)
            ffnRstd = FloatBuffer(count: N)
            gate = FloatBuffer(count: N * F)
            up = FloatBuffer(count: N * F)
            swiglu = FloatBuffer(count: N * F)
            let g = c.isGemma ? 1 : 0
            queryRaw = FloatBuffer(count: g * N * c.headCount * HS)
            keyRaw = FloatBuffer(count: g * N * c.kvHeadCount * HS)
            queryRstd = FloatBuffer(count: g * N * c.headCount)
            keyRstd = FloatBuffer(count: g * N * c.kvHeadCount)
            attentionProjected = FloatBuffer(count: g * N * C)
            postAttentionRstd = FloatBuffer(count: g * N)
            ffnProjected = FloatBuffer(count: g * N * C)
            postFFNRstd = FloatBuffer(count: g * N)
        }
    }

    let tokens: UnsafeMutableBufferPointer<Int32>  // [N]
    let residuals: [FloatBuffer]  // L+1 of [N, C]: the embedding, then each layer's output
    let layers: [Layer]
    let outputNormed: FloatBuffer  // [N, C]
    let outputRstd: FloatBuffer  // [N]
    let logits: FloatBuffer  // [N, V]

    init(_ c: TrainingModelConfig, B: Int, T: Int) {
        let N = B * T
        tokens = .allocate(capacity: N)
        tokens.initialize(repeating: 0)
        residuals = (0...c.layerCount).map { _ in FloatBuffer(count: N * c.embeddingLength) }
        layers = (0..<c.layerCount).map { _ in Layer(c, B: B, T: T) }
        outputNormed = FloatBuffer(count: N * c.embeddingLength)
        outputRstd = FloatBuffer(count: N)
        logits = FloatBuffer(count: N * c.vocabularySize)
    }

    deinit { tokens.deallocate() }
}

/// Gradients of activations. Only the residual stream's gradient crosses layers, so one layer's worth
/// of scratch is reused from the top layer down (llm.c keeps one per layer; this saves L-1 copies).
final class ActivationGradients {
    let residual: FloatBuffer  // [N, C] dL/d(residual stream) at the current depth
    let normed: FloatBuffer  // [N, C]
    let query: FloatBuffer  // [N, NH*HS]
    let key: FloatBuffer  // [N, NKV*HS]
    let value: FloatBuffer  // [N, NKV*HS]
    let attentionScratch: FloatBuffer  // [B, NKV, T, T]
    let attentionMixed: FloatBuffer  // [N, NH*HS]
    let gate: FloatBuffer  // [N, F]
    let up: FloatBuffer  // [N, F]
    let swiglu: FloatBuffer  // [N, F]
    // gemma3 only (empty for llama)
    let queryRaw: FloatBuffer  // [N, NH*HS]
    let keyRaw: FloatBuffer  // [N, NKV*HS]
    let projected: FloatBuffer  // [N, C] a branch's output before its post-norm

    init(_ c: TrainingModelConfig, B: Int, T: Int) {
        let N = B * T, C = c.embeddingLength, HS = c.headSize, F = c.feedForwardLength
        residual = FloatBuffer(count: N * C)
        normed = FloatBuffer(count: N * C)
        query = FloatBuffer(count: N * c.headCount * HS)
        key = FloatBuffer(count: N * c.kvHeadCount * HS)
        value = FloatBuffer(count: N * c.kvHeadCount * HS)
        attentionScratch = FloatBuffer(count: B * c.kvHeadCount * T * T)
        attentionMixed = FloatBuffer(count: N * c.headCount * HS)
        gate = FloatBuffer(count: N * F)
        up = FloatBuffer(count: N * F)
        swiglu = FloatBuffer(count: N * F)
        let g = c.isGemma ? 1 : 0
        queryRaw = FloatBuffer(count: g * N * c.headCount * HS)
        keyRaw = FloatBuffer(count: g * N * c.kvHeadCount * HS)
        projected = FloatBuffer(count: g * N * C)
    }

    /// Zeroes the per-layer scratch before a layer's backward; every backward kernel accumulates.
    func zeroLayerScratch() {
        for buffer in [normed, query, key, value, attentionMixed, gate, up, swiglu, queryRaw, keyRaw] { buffer.zero() }
    }
}
