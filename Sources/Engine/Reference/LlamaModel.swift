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
        let loader = WeightLoader(file: file, keepsKQuantBlocks: numerics == .ggml)
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
                 batchRow: GGMLBatchRow) throws(InferenceError) -> UnsafeBufferPointer<Float> {
        try s.validate(model: config, tokens: CollectionOfOne(token), startPosition: pos, count: 1)
        let cfg = config
        let C = cfg.embeddingLength, FF = cfg.feedForwardLength, KVL = cfg.kvLength
        let x = s.x.pointer, xb = s.xb.pointer, xb2 = s.xb2.pointer, q = s.q.pointer
        let hb = s.hb.pointer, hb2 = s.hb2.pointer
        let matvec = MatVec(numerics: numerics, scratch: s.rounded.pointer, batchRow: batchRow.row)
        let lastFeedForward = MatVec(numerics: numerics, scratch: s.rounded.pointer,
                                     batchRow: batchRow.lastFeedForwardRow)

        head.embed(x, token: token)
        RoPE.angles(cos: s.ropeCos.pointer, sin: s.ropeSin.pointer, position: pos, base: cfg.ropeBase,
                    dimensionCount: cfg.ropeDimensionCount)

        for (l, w) in layers.enumerated() {
            let ffnMatvec = l == layers.count - 1 ? lastFeedForward : matvec
            // attention rmsnorm
            NaiveKernel.rmsNorm(xb, x, w.attentionNorm.pointer, rows: 1, columns: C, epsilon: cfg.normEpsilon)

            // q, k, v; this position's key and value go straight into the cache
            let k = s.cache.key(layer: l, position: pos), v = s.cache.value(layer: l, position: pos)
            matvec(q, w.attention.wq, xb)
            matvec(k, w.attention.wk, xb)
            matvec(v, w.attention.wv, xb)

            // RoPE on q and k
            RoPE.rotate(q, heads: cfg.headCount, headSize: cfg.headSize, dimensionCount: cfg.ropeDimensionCount,
                        style: cfg.ropeStyle, cos: s.ropeCos.pointer, sin: s.ropeSin.pointer)
            RoPE.rotate(k, heads: cfg.kvHeadCount, headSize: cfg.headSize, dimensionCount: cfg.ropeDimensionCount,
                        style: cfg.ropeStyle, cos: s.ropeCos.pointer, sin: s.ropeSin.pointer)
            matvec.roundAsCached(k, KVL)
            matvec.roundAsCached(v, KVL)

            // grouped-query attention over positions 0...pos
            Attention.attend(xb, q, cache: s.cache, layer: l, position: pos, window: nil, state: s, numerics: numerics,
                             ggmlBatchRows: batchRow.row.count)

            // output projection, residual
            matvec(xb2, w.attention.wo, xb)
            Ops.add(x, xb2, C)

            // ffn rmsnorm
            NaiveKernel.rmsNorm(xb, x, w.ffnNorm.pointer, rows: 1, columns: C, epsilon: cfg.normEpsilon)

            // SwiGLU: down(silu(gate x) * up x), residual
            ffnMatvec(hb, w.ffn.gate, xb)
            ffnMatvec(hb2, w.ffn.up, xb)
            Ops.swiglu(hb, hb2, FF)
            ffnMatvec(xb2, w.ffn.down, hb)
            Ops.add(x, xb2, C)
        }

        // final rmsnorm, logits
        head.logits(s.logits.pointer, x, matvec)
        return s.logits.buffer
    }
}
