import Foundation
import GGUF
import Kernels
import Tensors

/// Gemma 3 in f32 over dequantized weights, or with llama.cpp's exact arithmetic (`Numerics.ggml`): the reference
/// the int8 engine (`Int8TransformerModel`, which runs gemma3 students and the distillation teacher) is tested against.
/// Against LLaMA it adds: the embedding scaled by sqrt(C), RMSNorm of each query and key head, norms after
/// the attention and feed-forward branches as well as before, GeGLU (tanh GELU), NEOX-style RoPE, and
/// local layers with a sliding window and their own RoPE base between global ones (every sixth).
/// The converter folded Gemma's (1 + w) into the stored norm weights, so they are used as they are.
public final class Gemma3Model: LanguageModel, ReferenceModel {
    struct Layer {
        let attentionNorm: FloatBuffer       // [C]
        let attention: AttentionWeights
        let queryNorm: FloatBuffer           // [HS]
        let keyNorm: FloatBuffer             // [HS]
        let postAttentionNorm: FloatBuffer   // [C]
        let ffnNorm: FloatBuffer             // [C]
        let ffn: FeedForwardWeights
        let postFFNNorm: FloatBuffer         // [C]
    }

    public let config: ModelConfig
    public let numerics: Numerics
    let head: EmbeddingAndHead
    let layers: [Layer]

    public init(file: GGUFFile, numerics: Numerics = .float32) throws(ModelError) {
        let config = try ModelConfig(file: file)
        guard config.architecture == .gemma3 else { throw .unsupportedArchitecture(file.architecture) }
        let loader = WeightLoader(file: file, keepsFileBlocks: numerics.keepsFileBlocks)
        let c = config.embeddingLength, hs = config.headSize
        head = try EmbeddingAndHead(loader, config: config)
        var layers: [Layer] = []
        for l in 0..<config.layerCount {
            layers.append(Layer(
                attentionNorm: try loader.load("blk.\(l).attn_norm.weight", shape: [c]),
                attention: try AttentionWeights(loader, layer: l, config: config),
                queryNorm: try loader.load("blk.\(l).attn_q_norm.weight", shape: [hs]),
                keyNorm: try loader.load("blk.\(l).attn_k_norm.weight", shape: [hs]),
                postAttentionNorm: try loader.load("blk.\(l).post_attention_norm.weight", shape: [c]),
                ffnNorm: try loader.load("blk.\(l).ffn_norm.weight", shape: [c]),
                ffn: try FeedForwardWeights(loader, layer: l, config: config),
                postFFNNorm: try loader.load("blk.\(l).post_ffw_norm.weight", shape: [c])))
        }
        self.config = config
        self.numerics = numerics
        self.layers = layers
    }

    func forward(token: Int32, position pos: Int, state s: InferenceState,
                 arithmetic: some ReferenceArithmetic) throws(InferenceError) -> UnsafeBufferPointer<Float> {
        try s.validate(model: config, tokens: CollectionOfOne(token), startPosition: pos, count: 1)
        let cfg = config
        let C = cfg.embeddingLength, FF = cfg.feedForwardLength, HS = cfg.headSize, KVL = cfg.kvLength
        let x = s.x.pointer, xb = s.xb.pointer, xb2 = s.xb2.pointer, q = s.q.pointer
        let hb = s.hb.pointer, hb2 = s.hb2.pointer

        // token embedding, scaled by sqrt(C)
        head.embed(x, token: token)

        for (l, w) in layers.enumerated() {
            let ffn = l == layers.count - 1 ? arithmetic.lastFeedForward : arithmetic
            // attention rmsnorm
            NaiveKernel.rmsNorm(xb, x, w.attentionNorm.pointer, rows: 1, columns: C, epsilon: cfg.normEpsilon)

            // q, k, v; this position's key and value go straight into the cache
            let k = s.cache.key(layer: l, position: pos), v = s.cache.value(layer: l, position: pos)
            arithmetic.product(q, w.attention.wq, xb)
            arithmetic.product(k, w.attention.wk, xb)
            arithmetic.product(v, w.attention.wv, xb)

            // rmsnorm of each query and key head
            BatchOps.rmsnorm(q, q, w.queryNorm.pointer, t: cfg.headCount, n: HS, epsilon: cfg.normEpsilon)
            BatchOps.rmsnorm(k, k, w.keyNorm.pointer, t: cfg.kvHeadCount, n: HS, epsilon: cfg.normEpsilon)

            // RoPE (NEOX halves) with this layer's base: local or global
            arithmetic.rope(q, heads: cfg.headCount, position: pos, base: cfg.ropeBase(layer: l), config: cfg)
            arithmetic.rope(k, heads: cfg.kvHeadCount, position: pos, base: cfg.ropeBase(layer: l), config: cfg)
            arithmetic.cache(k, KVL)
            arithmetic.cache(v, KVL)

            // grouped-query attention, within the sliding window on local layers
            arithmetic.attend(xb, q, cache: s.cache, layer: l, position: pos, window: cfg.attentionWindow(layer: l), state: s)

            // output projection, post-attention rmsnorm, residual
            arithmetic.product(xb2, w.attention.wo, xb)
            NaiveKernel.rmsNorm(xb2, xb2, w.postAttentionNorm.pointer, rows: 1, columns: C, epsilon: cfg.normEpsilon)
            Ops.add(x, xb2, C)

            // ffn rmsnorm
            NaiveKernel.rmsNorm(xb, x, w.ffnNorm.pointer, rows: 1, columns: C, epsilon: cfg.normEpsilon)

            // GeGLU: down(gelu(gate x) * up x), post-ffn rmsnorm, residual
            ffn.product(hb, w.ffn.gate, xb)
            ffn.product(hb2, w.ffn.up, xb)
            arithmetic.geglu(hb, hb2, FF)
            ffn.product(xb2, w.ffn.down, hb)
            NaiveKernel.rmsNorm(xb2, xb2, w.postFFNNorm.pointer, rows: 1, columns: C, epsilon: cfg.normEpsilon)
            Ops.add(x, xb2, C)
        }

        // final rmsnorm, logits through the tied embedding
        head.logits(s.logits.pointer, x, arithmetic)
        return s.logits.buffer
    }
}
