import Tensors
/// Grouped-query attention over the KV cache, causal, optionally limited to a sliding window.
/// Query head h reads KV head h / (NH / NKV).
enum Attention {
    /// The first position a query at `position` sees.
    static func firstVisible(position: Int, window: Int?) -> Int {
        window.map { max(0, position - $0 + 1) } ?? 0
    }

    /// One token: out[NH, HS] = Σ_p softmax_p(q_h · k_p * scale) v_p over the visible positions p <= position.
    static func attend(_ out: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>, cache: KVCache, layer: Int,
                       position: Int, window: Int?, state: InferenceState) {
        let config = state.config
        let scores = state.scores.pointer
        let hs = config.headSize
        let first = firstVisible(position: position, window: window)
        let count = position - first + 1
        for h in 0..<config.headCount {
            let kvOffset = (h / config.headsPerKVHead) * hs
            let qh = q + h * hs
            let att = scores + h * cache.contextLength     // [P] this head's weights
            for p in first...position {
                att[p - first] = Ops.dot(qh, cache.key(layer: layer, position: p) + kvOffset, hs) * config.attentionScale
            }
            Ops.softmax(att, count)
            let oh = out + h * hs
            oh.initialize(repeating: 0, count: hs)
            for p in first...position {
                Ops.addScaled(oh, cache.value(layer: layer, position: p) + kvOffset, att[p - first], hs)
            }
        }
    }

    /// Query rows per block of the batched attention: each block multiplies only the keys its rows can see,
    /// so the causal triangle (and the keys before a sliding window) costs little.
    static let queryBlock = 64

    /// T tokens at positions start..<start+T, whose keys and values are already in the cache:
    /// out[T, NH * HS] from q[T, NH * HS], two matrix products per head and block of query rows.
    static func attendBatch(_ out: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>, cache: KVCache,
                            layer: Int, start: Int, t: Int, window: Int?,
                            scores: UnsafeMutablePointer<Float>, config: ModelConfig) {
        let hs = config.headSize
        let qLength = config.queryLength
        for h in 0..<config.headCount {
            let kvOffset = (h / config.headsPerKVHead) * hs
            for blockStart in stride(from: 0, to: t, by: queryBlock) {
                let rows = min(queryBlock, t - blockStart)                        // R query rows
                let first = firstVisible(position: start + blockStart, window: window)
                let keyCount = start + blockStart + rows - first                 // K keys any row sees
                // scores[R, K] = scale * q_h[R, HS] · k[K, HS]ᵀ
                BLAS.matmulTransposed(scores, outStride: keyCount, q + blockStart * qLength + h * hs, xStride: qLength,
                                      cache.key(layer: layer, position: first) + kvOffset, wStride: cache.kvLength,
                                      t: rows, n: hs, d: keyCount, scale: config.attentionScale)
                // causal (and window) mask, softmax: row i sees keys firstVisible(p)...p for p = start + blockStart + i
                Parallel.forEachChunk(rows, minimumChunk: 8) { chunk in
                    for i in chunk {
                        let row = scores + i * keyCount
                        let position = start + blockStart + i
                        let visibleFrom = firstVisible(position: position, window: window) - first
                        let visibleTo = position - first                        // inclusive
                        if visibleFrom > 0 { row.initialize(repeating: 0, count: visibleFrom) }
                        Ops.softmax(row + visibleFrom, visibleTo - visibleFrom + 1)
                        if visibleTo + 1 < keyCount {
                            (row + visibleTo + 1).initialize(repeating: 0, count: keyCount - visibleTo - 1)
                        }
                    }
                }
                // out_h[R, HS] = scores[R, K] · v[K, HS]
                BLAS.matmul(out + blockStart * qLength + h * hs, outStride: qLength, scores, aStride: keyCount,
                            cache.value(layer: layer, position: first) + kvOffset, bStride: cache.kvLength,
                            t: rows, n: keyCount, d: hs)
            }
        }
    }
}
