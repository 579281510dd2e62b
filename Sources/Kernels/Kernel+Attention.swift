import CKernels
import Foundation

extension Kernel {
    /// Below this many multiply-adds (T · NH · positions · HS) attention runs on the caller alone.
    public static let minimumParallelAttentionWork = 1 << 16

    /// Causal attention of T new tokens whose keys and values are already in the cache. Query t sits at
    /// position startPosition + t and attends positions 0...startPosition + t; query head h reads key/value
    /// head h / (NH / NKV) (grouped-query attention).
    ///
    /// - q: (T, NH, HS), token t at q + t * queryStride (default NH * HS)
    /// - keys, values: (P, NKV, HS), position p at + p * cacheStride (default NKV * HS)
    /// - out: (T, NH, HS), token t at out + t * outputStride (default NH * HS)
    ///
    /// One pass over the cache with an online softmax (running max and sum, rescaled per 64-position tile),
    /// so no scores buffer: the tile lives on the stack.
    public static func attention(
        _ out: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>,
        _ keys: UnsafePointer<Float>, _ values: UnsafePointer<Float>,
        startPosition: Int, tokens: Int, heads: Int, kvHeads: Int, headSize: Int,
        queryStride: Int? = nil, outputStride: Int? = nil, cacheStride: Int? = nil, scale: Float? = nil,
        pool: ThreadPool? = nil, path: KernelPath = .active
    ) {
        precondition(kvHeads > 0 && heads % kvHeads == 0 && startPosition >= 0)
        let queryStride = queryStride ?? heads * headSize
        let outputStride = outputStride ?? heads * headSize
        let cacheStride = cacheStride ?? kvHeads * headSize
        let scale = scale ?? 1 / Float(headSize).squareRoot()
        let group = heads / kvHeads
        let work = tokens * heads * (startPosition + (tokens + 1) / 2) * headSize
        let path = attentionPath(path, headSize: headSize)
        let body = { (items: Range<Int>) in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: tileSize) { tile in
                for item in items {
                    let (t, h) = item.quotientAndRemainder(dividingBy: heads)
                    let kvOffset = (h / group) * headSize
                    let target = out + t * outputStride + h * headSize, query = q + t * queryStride + h * headSize
                    let positions = startPosition + t + 1
                    switch path {
                    case .avx512:
                        ck_attend_avx512(target, query, keys + kvOffset, values + kvOffset, positions, headSize, cacheStride, scale)
                    case .avx2:
                        ck_attend_avx2(target, query, keys + kvOffset, values + kvOffset, positions, headSize, cacheStride, scale)
                    case .portable:
                        attendOne(target, query, keys + kvOffset, values + kvOffset, tile.baseAddress!,
                                  positions: positions, headSize: headSize, cacheStride: cacheStride, scale: scale)
                    }
                }
            }
        }
        if let pool, pool.threadCount > 1, work >= minimumParallelAttentionWork {
            pool.parallelFor(tokens * heads, grain: 1, body)
        } else {
            body(0..<tokens * heads)
        }
    }

    static let tileSize = 64

    /// The C loops hold a head in registers: at most 256 values, and whole 8-float vectors for AVX2.
    static func attentionPath(_ path: KernelPath, headSize: Int) -> KernelPath {
        precondition(path.isSupported, "kernel path \(path) is not supported on this CPU")
        switch path {
        case .avx512 where headSize <= 256: return .avx512
        case .avx512, .avx2: return headSize <= 256 && headSize % 8 == 0 ? .avx2 : .portable
        case .portable: return .portable
        }
    }

    /// One query head against `positions` cached keys and values, in Swift SIMD.
    @inline(__always)
    static func attendOne(
        _ out: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>,
        _ keys: UnsafePointer<Float>, _ values: UnsafePointer<Float>, _ tile: UnsafeMutablePointer<Float>,
        positions: Int, headSize: Int, cacheStride: Int, scale: Float
    ) {
        out.update(repeating: 0, count: headSize)
        var runningMax = -Float.infinity, runningSum: Float = 0
        for tileStart in stride(from: 0, to: positions, by: tileSize) {
            let count = min(tileSize, positions - tileStart)
            for j in 0..<count {
                tile[j] = VectorMath.dot(q, keys + (tileStart + j) * cacheStride, headSize) * scale
            }
            let newMax = max(runningMax, VectorMath.maximum(tile, count))
            if runningMax != -.infinity && newMax != runningMax {
                let correction = VectorMath.exp(runningMax - newMax)
                runningSum *= correction
                VectorMath.scale(out, correction, headSize)
            }
            runningMax = newMax
            for j in 0..<count {
                let weight = VectorMath.exp(tile[j] - newMax)
                runningSum += weight
                VectorMath.addScaled(out, weight, values + (tileStart + j) * cacheStride, headSize)
            }
        }
        VectorMath.scale(out, 1 / runningSum, headSize)
    }
}

extension NaiveKernel {
    public static func attention(
        _ out: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>,
        _ keys: UnsafePointer<Float>, _ values: UnsafePointer<Float>,
        startPosition: Int, tokens: Int, heads: Int, kvHeads: Int, headSize: Int,
        queryStride: Int? = nil, outputStride: Int? = nil, cacheStride: Int? = nil, scale: Float? = nil,
        pool: ThreadPool? = nil, path: KernelPath = .active
    ) {
        let queryStride = queryStride ?? heads * headSize
        let outputStride = outputStride ?? heads * headSize
        let cacheStride = cacheStride ?? kvHeads * headSize
        let scale = Double(scale ?? 1 / Float(headSize).squareRoot())
        for t in 0..<tokens {
            for h in 0..<heads {
                let query = q + t * queryStride + h * headSize
                let kvOffset = (h / (heads / kvHeads)) * headSize
                let positions = startPosition + t + 1
                var scores = (0..<positions).map { p in
                    var dot: Double = 0
                    for i in 0..<headSize { dot += Double(query[i]) * Double(keys[p * cacheStride + kvOffset + i]) }
                    return dot * scale
                }
                let maximum = scores.max()!
                scores = scores.map { Foundation.exp($0 - maximum) }
                let sum = scores.reduce(0, +)
                for i in 0..<headSize {
                    var value: Double = 0
                    for p in 0..<positions { value += scores[p] * Double(values[p * cacheStride + kvOffset + i]) }
                    out[t * outputStride + h * headSize + i] = Float(value / sum)
                }
            }
        }
    }
}
