#if canImport(Glibc)
import Glibc
#endif

extension Attention {
    /// One query token with ggml's one-query flash-attention arithmetic (`ggml_compute_forward_flash_attn_ext_f16`
    /// for fewer than 64 query rows): the query rounded to f16, ggml's f16 dot product, an online softmax whose
    /// running output is kept in f16 and updated with a fused multiply-add, the sum fused too. Gemma's graph scales
    /// the query before it is rounded, Llama's scales the scores. Used by `Numerics.ggml`.
    static func attendLikeGGML(_ out: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>, cache: KVCache,
                               layer: Int, position: Int, window: Int?, scratch: UnsafeMutablePointer<Float>,
                               config: ModelConfig) {
        let hs = config.headSize
        let query = scratch, accumulator = scratch + hs     // [HS] each
        let (queryScale, scoreScale) = ggmlScales(config)
        for h in 0..<config.headCount {
            let kvOffset = (h / config.headsPerKVHead) * hs
            for i in 0..<hs { query[i] = Float(Float16(q[h * hs + i] * queryScale)) }
            accumulator.initialize(repeating: 0, count: hs)
            var sum: Float = 0, maxScore = -Float.infinity
            for p in firstVisible(position: position, window: window)...position {
                let score = dotLikeGGMLF16(query, cache.key(layer: layer, position: p) + kvOffset, hs) * scoreScale
                var outputScale: Float = 1, weight: Float = 1
                if score > maxScore {
                    outputScale = expf(maxScore - score)
                    maxScore = score
                    for i in 0..<hs { accumulator[i] = Float(Float16(accumulator[i] * outputScale)) }
                } else {
                    weight = expf(score - maxScore)
                }
                let v = cache.value(layer: layer, position: p) + kvOffset
                for i in 0..<hs { accumulator[i] = Float(Float16(accumulator[i].addingProduct(v[i], weight))) }
                sum = weight.addingProduct(sum, outputScale)
            }
            let inverse: Float = sum == 0 ? 0 : 1 / sum
            for i in 0..<hs { out[h * hs + i] = accumulator[i] * inverse }
        }
    }

    /// One query row with ggml's flash attention for batches of 64 query rows or more
    /// (`ggml_compute_forward_flash_attn_ext_tiled`): an f32 query, each score a chain of fused multiply-adds, an
    /// online softmax over 64-key tiles with ggml's vectorized expf and a double sum, the output accumulated in f32
    /// by fused multiply-adds. Tiles start at multiples of 64 positions, as in a fresh KV cache.
    static func attendLikeGGMLTiled(_ out: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>, cache: KVCache,
                                    layer: Int, position: Int, window: Int?, scratch: UnsafeMutablePointer<Float>,
                                    config: ModelConfig) {
        let hs = config.headSize, tile = 64
        let accumulator = scratch, weights = scratch + hs     // [HS], [64]
        let (queryScale, scoreScale) = ggmlScales(config)
        let first = firstVisible(position: position, window: window)
        for h in 0..<config.headCount {
            let kvOffset = (h / config.headsPerKVHead) * hs
            let query = q + h * hs
            accumulator.initialize(repeating: 0, count: hs)
            var sum: Float = 0, maxScore = -Float.infinity
            for tileStart in stride(from: first / tile * tile, through: position, by: tile) {
                var tileMax = -Float.infinity
                for j in 0..<tile {
                    let p = tileStart + j
                    guard p >= first && p <= position else {
                        weights[j] = -.infinity
                        continue
                    }
                    let key = cache.key(layer: layer, position: p) + kvOffset
                    var score: Float = 0
                    for i in 0..<hs { score = score.addingProduct(query[i] * queryScale, key[i]) }
                    weights[j] = score * scoreScale
                    tileMax = max(tileMax, weights[j])
                }
                let newMax = max(maxScore, tileMax)
                if newMax > maxScore {
                    let outputScale = expf(maxScore - newMax)
                    for i in 0..<hs { accumulator[i] *= outputScale }
                    sum *= outputScale
                }
                maxScore = newMax
                var tileSum: Double = 0
                for group in stride(from: 0, to: tile, by: 16) {
                    var lanes = SIMD16<Float>()
                    for l in 0..<16 { lanes[l] = vectorizedExpf(weights[group + l] - newMax) }
                    for l in 0..<16 { weights[group + l] = lanes[l] }
                    tileSum += Double(lanes.halvingSum)
                }
                sum = Float(Double(sum) + tileSum)
                for j in 0..<tile where weights[j] != 0 {
                    let v = cache.value(layer: layer, position: tileStart + j) + kvOffset
                    for i in 0..<hs { accumulator[i] = accumulator[i].addingProduct(v[i], weights[j]) }
                }
            }
            let inverse: Float = sum == 0 ? 0 : 1 / sum
            for i in 0..<hs { out[h * hs + i] = accumulator[i] * inverse }
        }
    }

    /// ggml's AVX-512 `ggml_v_expf`, one lane: exp(x) = 2^n · p(b), n = round(x / ln 2), b the reduced argument,
    /// p a degree-5 polynomial; 0 below and infinity above |n| > 192.
    static func vectorizedExpf(_ x: Float) -> Float {
        let r: Float = 0x1.8p23
        let z = r.addingProduct(x, 0x1.715476p+0)
        let n = z - r
        let b = x.addingProduct(-n, 0x1.62e4p-1).addingProduct(-n, 0x1.7f7d1cp-20)
        if abs(n) > 192 { return n <= 0 ? 0 : .infinity }
        let u = b * b
        let high = Float(0x1.573e2ep-5).addingProduct(0x1.0e4020p-7, b)
        let middle = Float(0x1.fffdb6p-2).addingProduct(0x1.555e66p-3, b)
        let low = Float(1).addingProduct(0x1.ffffecp-1, b)
        let j = low.addingProduct(middle.addingProduct(high, u), u)
        return scalbnf(j, Int32(n))
    }

    /// ggml's AVX-512 `ggml_vec_dot_f16`: four 16-lane f32 accumulators fed by fused multiply-adds over 64 values
    /// at a time, added pairwise, then a tree over the 16 lanes; leftovers summed in double.
    static func dotLikeGGMLF16(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var s0 = SIMD16<Float>(), s1 = SIMD16<Float>(), s2 = SIMD16<Float>(), s3 = SIMD16<Float>()
        func fused(_ acc: inout SIMD16<Float>, _ at: Int) {
            for l in 0..<16 { acc[l] = acc[l].addingProduct(a[at + l], b[at + l]) }
        }
        let whole = n & ~63
        for i in stride(from: 0, to: whole, by: 64) {
            fused(&s0, i)
            fused(&s1, i + 16)
            fused(&s2, i + 32)
            fused(&s3, i + 48)
        }
        var sum = Double(((s0 + s2) + (s1 + s3)).halvingSum)
        for i in whole..<n { sum += Double(a[i] * b[i]) }
        return Float(sum)
    }

    /// Gemma's graph scales the query before flash attention (which then scales by 1), Llama's passes the scale.
    private static func ggmlScales(_ config: ModelConfig) -> (query: Float, score: Float) {
        config.architecture == .gemma3 ? (config.attentionScale, 1) : (1, config.attentionScale)
    }
}
