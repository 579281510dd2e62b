extension LlamaModel {
    func forwardBatched(tokens: [Int32], startPosition start: Int, state s: InferenceState,
                        logits selection: LogitSelection) throws(InferenceError) -> [Float] {
        try s.validate(model: config, tokens: tokens, startPosition: start, count: tokens.count)
        let cfg = config, t = tokens.count
        let C = cfg.embeddingLength, FF = cfg.feedForwardLength
        let b = s.batchScratch(tokens: t)
        let x = b.x.pointer, xb = b.xb.pointer, xb2 = b.xb2.pointer

        for (i, token) in tokens.enumerated() { head.embed(x + i * C, token: token) }
        let rope = BatchRoPE(cos: b.ropeCos, sin: b.ropeSin, config: cfg, start: start, t: t, base: cfg.ropeBase)

        for (l, w) in layers.enumerated() {
            // attention rmsnorm, row by row
            BatchOps.rmsnorm(xb, x, w.attentionNorm.pointer, t: t, n: C, epsilon: cfg.normEpsilon)

            // q, k, v for all T tokens; keys and values land in the cache rows start..<start+T
            let k = s.cache.key(layer: l, position: start), v = s.cache.value(layer: l, position: start)
            BatchOps.project(b.q.pointer, xb, w.attention.wq, t: t)
            BatchOps.project(k, xb, w.attention.wk, t: t)
            BatchOps.project(v, xb, w.attention.wv, t: t)

            // RoPE
            rope.rotate(b.q.pointer, heads: cfg.headCount)
            rope.rotate(k, heads: cfg.kvHeadCount)

            // causal grouped-query attention
            Attention.attendBatch(xb, b.q.pointer, cache: s.cache, layer: l, start: start, t: t, window: nil,
                                  scores: b.scores.pointer, config: cfg)

            // output projection, residual
            BatchOps.project(xb2, xb, w.attention.wo, t: t)
            BatchOps.add(x, xb2, t * C)

            // ffn rmsnorm, SwiGLU, residual
            BatchOps.rmsnorm(xb, x, w.ffnNorm.pointer, t: t, n: C, epsilon: cfg.normEpsilon)
            BatchOps.project(b.hb.pointer, xb, w.ffn.gate, t: t)
            BatchOps.project(b.hb2.pointer, xb, w.ffn.up, t: t)
            BatchOps.swiglu(b.hb.pointer, b.hb2.pointer, t * FF)
            BatchOps.project(xb2, b.hb.pointer, w.ffn.down, t: t)
            BatchOps.add(x, xb2, t * C)
        }

        return try head.logits(x, t: t, selection: selection)
    }
}
