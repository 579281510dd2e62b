#if canImport(Glibc)
import Glibc
#endif

extension Attention {
    /// One query token with ggml's one-query flash-attention arithmetic: the query rounded to f16, an online
    /// softmax whose running output is kept in f16, the sum in f32. Used by `Numerics.ggml`.
    static func attendLikeGGML(_ out: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>, cache: KVCache,
                               layer: Int, position: Int, window: Int?, scratch: UnsafeMutablePointer<Float>,
                               config: ModelConfig) {
        let hs = config.headSize
        let query = scratch, accumulator = scratch + hs     // [HS] each
        for h in 0..<config.headCount {
            let kvOffset = (h / config.headsPerKVHead) * hs
            for i in 0..<hs { query[i] = Float(Float16(q[h * hs + i])) }
            accumulator.initialize(repeating: 0, count: hs)
            var sum: Float = 0, maxScore = -Float.infinity
            for p in firstVisible(position: position, window: window)...position {
                let score = exactDot(query, cache.key(layer: layer, position: p) + kvOffset, hs) * config.attentionScale
                var outputScale: Float = 1, weight: Float = 1
                if score > maxScore {
                    outputScale = expf(maxScore - score)
                    maxScore = score
                    for i in 0..<hs { accumulator[i] = Float(Float16(accumulator[i] * outputScale)) }
                } else {
                    weight = expf(score - maxScore)
                }
                let v = cache.value(layer: layer, position: p) + kvOffset
                for i in 0..<hs { accumulator[i] = Float(Float16(accumulator[i] + v[i] * weight)) }
                sum = sum * outputScale + weight
            }
            let inverse: Float = sum == 0 ? 0 : 1 / sum
            for i in 0..<hs { out[h * hs + i] = accumulator[i] * inverse }
        }
    }

    /// f16 products are exact in f32; ggml sums them in wide SIMD lanes, which a double sum approximates best.
    private static func exactDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var sum: Double = 0
        for i in 0..<n { sum += Double(a[i] * b[i]) }
        return Float(sum)
    }
}
