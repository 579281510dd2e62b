extension Gemma3Model {
    func forwardBatched(tokens: [Int32], startPosition start: Int, state s: InferenceState,
                        logits selection: LogitSelection) throws(InferenceError) -> [Float] {
        try s.validate(model: config, tokens: tokens, startPosition: start, count: tokens.count)
        let cfg = config, t = tokens.count
        let C = cfg.embeddingLength, FF = cfg.feedForwardLength, HS = cfg.headSize
        let b = s.batchScratch(tokens: t)
        let x = b.x.pointer, xb = b.xb.pointer, xb2 = b.xb2.pointer, q = b.q.pointer

        for (i, token) in tokens.enumerated() { head.embed(x + i * C, token: token) }
        let globalRoPE = BatchRoPE(cos: b.ropeCos, sin: b.ropeSin, config: cfg, start: start, t: t, base: cfg.ropeBase)
        let localRoPE = BatchRoPE(cos: b.localRopeCos, sin: b.localRopeSin, config: cfg, start: start, t: t,
                                  base: cfg.localRopeBase)

        for (l, w) in layers.enumerated() {
            // attention rmsnorm, row by row
            BatchOps.rmsnorm(xb, x, w.attentionNorm.pointer, t: t, n: C, epsilon: cfg.normEpsilon)

            // q, k, v for all T tokens; keys and values land in the cache rows start..<start+T
            let k = s.cache.key(layer: l, position: start), v = s.cache.value(layer: l, position: start)
            BatchOps.project(q, xb, w.attention.wq, t: t)
            BatchOps.project(k, xb, w.attention.wk, t: t)
            BatchOps.project(v, xb, w.attention.wv, t: t)

            // rmsnorm of each query and key head, then RoPE with this layer's base
            BatchOps.rmsnorm(q, q, w.queryNorm.pointer, t: t * cfg.headCount, n: HS, epsilon: cfg.normEpsilon)
            BatchOps.rmsnorm(k, k, w.keyNorm.pointer, t: t * cfg.kvHeadCount, n: HS, epsilon: cfg.normEpsilon)
            let rope = cfg.isSlidingWindowLayer(l) ? localRoPE : globalRoPE
            rope.rotate(q, heads: cfg.headCount)
            rope.rotate(k, heads: cfg.kvHeadCount)

            // causal grouped-query attention, within the sliding window on local layers
            Attention.attendBatch(xb, q, cache: s.cache, layer: l, start: start, t: t,
                                  window: cfg.attentionWindow(layer: l), scores: b.scores.pointer, config: cfg)

            // output projection, post-attention rmsnorm, residual
            BatchOps.project(xb2, xb, w.attention.wo, t: t)
            BatchOps.rmsnorm(xb2, xb2, w.postAttentionNorm.pointer, t: t, n: C, epsilon: cfg.normEpsilon)
            BatchOps.add(x, xb2, t * C)

            // ffn rmsnorm, GeGLU, post-ffn rmsnorm, residual
            BatchOps.rmsnorm(xb, x, w.ffnNorm.pointer, t: t, n: C, epsilon: cfg.normEpsilon)
            BatchOps.project(b.hb.pointer, xb, w.ffn.gate, t: t)
            BatchOps.project(b.hb2.pointer, xb, w.ffn.up, t: t)
            BatchOps.geglu(b.hb.pointer, b.hb2.pointer, t * FF)
            BatchOps.project(xb2, b.hb.pointer, w.ffn.down, t: t)
            BatchOps.rmsnorm(xb2, xb2, w.postFFNNorm.pointer, t: t, n: C, epsilon: cfg.normEpsilon)
            BatchOps.add(x, xb2, t * C)
        }

        return try head.logits(x, t: t, selection: selection)
    }
}
