import GGUF
import Kernels
import Tensors

/// The LLaMA architecture in plain f32 over dequantized weights: the reference the int8 engine is tested against.
/// RMSNorm -> q, k, v -> RoPE (adjacent pairs) -> cache write -> grouped-query attention -> residual
/// -> RMSNorm -> SwiGLU -> residual, then the final norm and the (possibly tied) output layer.
public final class LlamaModel: LanguageModel, ReferenceModel {
    struct Layer {
        let attentionNorm: FloatBuffer   // [C]
        let attention: AttentionWeights
        let ffnNorm: FloatBuffer         // [C]
        let ffn: FeedForwardWeights
    }

    public let config: ModelConfig
    public let numerics: Numerics
    let head: EmbeddingAndHead
    let layers: [Layer]

    public init(file: GGUFFile, numerics: Numerics = .float32) throws(ModelError) {
        let config = try ModelConfig(file: file)
        guard config.architecture == .llama else { throw .unsupportedArchitecture(file.architecture) }
        let loader = WeightLoader(file: file, keepsFileBlocks: numerics.keepsFileBlocks)
        let c = config.embeddingLength
        head = try EmbeddingAndHead(loader, config: config)
        var layers: [Layer] = []
        for l in 0..<config.layerCount {
            layers.append(Layer(attentionNorm: try loader.load("blk.\(l).attn_norm.weight", shape: [c]),
                                attention: try AttentionWeights(loader, layer: l, config: config),
                                ffnNorm: try loader.load("blk.\(l).ffn_norm.weight", shape: [c]),
                                ffn: try FeedForwardWeights(loader, layer: l, config: config)))
        }
        self.config = config
        self.numerics = numerics
        self.layers = layers
    }

    func forward(token: Int32, position pos: Int, state s: InferenceState,
                 arithmetic: some ReferenceArithmetic) throws(InferenceError) -> UnsafeBufferPointer<Float> {
        try s.validate(model: config, tokens: CollectionOfOne(token), startPosition: pos, count: 1)
        let cfg = config
        let C = cfg.embeddingLength, FF = cfg.feedForwardLength, KVL = cfg.kvLength
        let x = s.x.pointer, xb = s.xb.pointer, xb2 = s.xb2.pointer, q = s.q.pointer
        let hb = s.hb.pointer, hb2 = s.hb2.pointer

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

            // RoPE on q and k
            arithmetic.rope(q, heads: cfg.headCount, position: pos, base: cfg.ropeBase, config: cfg)
            arithmetic.rope(k, heads: cfg.kvHeadCount, position: pos, base: cfg.ropeBase, config: cfg)
            arithmetic.cache(k, KVL)
            arithmetic.cache(v, KVL)

            // grouped-query attention over positions 0...pos
            arithmetic.attend(xb, q, cache: s.cache, layer: l, position: pos, window: nil, state: s)

            // output projection, residual
            arithmetic.product(xb2, w.attention.wo, xb)
            Ops.add(x, xb2, C)

            // ffn rmsnorm
            NaiveKernel.rmsNorm(xb, x, w.ffnNorm.pointer, rows: 1, columns: C, epsilon: cfg.normEpsilon)

            // SwiGLU: down(silu(gate x) * up x), residual
            ffn.product(hb, w.ffn.gate, xb)
            ffn.product(hb2, w.ffn.up, xb)
            Ops.swiglu(hb, hb2, FF)
            ffn.product(xb2, w.ffn.down, hb)
            Ops.add(x, xb2, C)
        }

        // final rmsnorm, logits
        head.logits(s.logits.pointer, x, arithmetic)
        return s.logits.buffer
    }
}
