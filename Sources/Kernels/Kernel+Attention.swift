import CKernels
import Foundation
import Tensors

extension Kernel {
    /// Below this many multiply-adds (T · NH · positions · HS) attention runs on the caller alone. Decode
    /// with 4 heads of 64 at 64 positions (16K) already gains from two threads: 2.3 -> 1.9 µs.
    public static let minimumParallelAttentionWork = 1 << 13

    /// Causal attention of T new tokens whose keys and values are already in the cache. Query t sits at
    /// position startPosition + t and attends positions 0...startPosition + t; query head h reads key/value
    /// head h / (NH / NKV) (grouped-query attention).
    ///
    /// - q: (T, NH, HS), token t at q + t * queryStride (default NH * HS)
    /// - keys, values: (P, NKV, HS), position p at + p * cacheStride (default NKV * HS)
    /// - out: (T, NH, HS), token t at out + t * outputStride (default NH * HS)
    ///
    /// With a `window` W (a sliding-window layer), query t attends only its last W positions,
    /// max(0, startPosition + t + 1 - W)...startPosition + t.
    ///
    /// One pass over the cache with an online softmax (running max and sum, rescaled per 64-position tile),
    /// so no scores buffer: the tile lives on the stack.
    public static func attention(
        _ out: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>,
        _ keys: UnsafePointer<Float>, _ values: UnsafePointer<Float>,
        startPosition: Int, tokens: Int, heads: Int, kvHeads: Int, headSize: Int,
        queryStride: Int? = nil, outputStride: Int? = nil, cacheStride: Int? = nil, scale: Float? = nil,
        window: Int? = nil, pool: ThreadPool? = nil, path: KernelPath = .active
    ) {
        let shape = AttentionShape(startPosition: startPosition, tokens: tokens, heads: heads, kvHeads: kvHeads,
                                   headSize: headSize, queryStride: queryStride, outputStride: outputStride,
                                   cacheStride: cacheStride, scale: scale, window: window)
        AttentionJob(shape: shape, out: out, q: q, keys: UnsafeRawPointer(keys), values: UnsafeRawPointer(values),
                     halfCache: false, path: attentionPath(path, headSize: headSize)).run(pool: pool)
    }

    /// The same over an f16 cache: half the memory per slot and half the bytes read per token.
    public static func attention(
        _ out: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>,
        _ keys: UnsafePointer<Float16>, _ values: UnsafePointer<Float16>,
        startPosition: Int, tokens: Int, heads: Int, kvHeads: Int, headSize: Int,
        queryStride: Int? = nil, outputStride: Int? = nil, cacheStride: Int? = nil, scale: Float? = nil,
        window: Int? = nil, pool: ThreadPool? = nil, path: KernelPath = .active
    ) {
        let shape = AttentionShape(startPosition: startPosition, tokens: tokens, heads: heads, kvHeads: kvHeads,
                                   headSize: headSize, queryStride: queryStride, outputStride: outputStride,
                                   cacheStride: cacheStride, scale: scale, window: window)
        AttentionJob(shape: shape, out: out, q: q, keys: UnsafeRawPointer(keys), values: UnsafeRawPointer(values),
                     halfCache: true, path: attentionPath(path, headSize: headSize)).run(pool: pool)
    }

    /// The C loops hold a head in registers: at most 256 values, and whole 8-float vectors for AVX2.
    static func attentionPath(_ path: KernelPath, headSize: Int) -> KernelPath {
        switch checked(path) {
        case .avx512 where headSize <= 256: .avx512
        case .avx512, .avx2: headSize <= 256 && headSize % 8 == 0 ? .avx2 : .portable
        case .portable: .portable
        }
    }

    /// One query head against `positions` cached keys and values, in Swift SIMD.
    @inline(__always)
    static func attendOne<Element: CacheScalar>(
        _ out: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>,
        _ keys: UnsafePointer<Element>, _ values: UnsafePointer<Element>, _ tile: UnsafeMutablePointer<Float>,
        positions: Int, shape: AttentionShape
    ) {
        let headSize = shape.headSize
        out.update(repeating: 0, count: headSize)
        var runningMax = -Float.infinity, runningSum: Float = 0
        for tileStart in stride(from: 0, to: positions, by: AttentionShape.tileSize) {
            let count = min(AttentionShape.tileSize, positions - tileStart)
            for j in 0..<count {
                tile[j] = Element.dot(q, keys + (tileStart + j) * shape.cacheStride, headSize) * shape.scale
            }
            let newMax = max(runningMax, VectorMath.max(tile, count))
            if runningMax != -.infinity && newMax != runningMax {
                let correction = VectorMath.exp(runningMax - newMax)
                runningSum *= correction
                VectorMath.scale(out, out, correction, headSize)
            }
            runningMax = newMax
            for j in 0..<count {
                let weight = VectorMath.exp(tile[j] - newMax)
                runningSum += weight
                Element.addScaled(out, weight, values + (tileStart + j) * shape.cacheStride, headSize)
            }
        }
        VectorMath.scale(out, out, 1 / runningSum, headSize)
    }

    /// out[i] = Float16(x[i]), to nearest even: writes new keys and values into an f16 cache.
    public static func convert(
        _ out: UnsafeMutablePointer<Float16>, _ x: UnsafePointer<Float>, count: Int, path: KernelPath = .active
    ) {
        let bits = UnsafeMutableRawPointer(out).assumingMemoryBound(to: UInt16.self)
        switch checked(path) {
        case .avx512: ck_f32_to_f16_avx512(bits, x, count)
        case .avx2: ck_f32_to_f16_avx2(bits, x, count)
        case .portable: for i in 0..<count { out[i] = Float16(x[i]) }
        }
    }
}

extension NaiveKernel {
    public static func attention(
        _ out: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>,
        _ keys: UnsafePointer<Float>, _ values: UnsafePointer<Float>,
        startPosition: Int, tokens: Int, heads: Int, kvHeads: Int, headSize: Int,
        queryStride: Int? = nil, outputStride: Int? = nil, cacheStride: Int? = nil, scale: Float? = nil,
        window: Int? = nil, pool: ThreadPool? = nil, path: KernelPath = .active
    ) {
        let shape = AttentionShape(startPosition: startPosition, tokens: tokens, heads: heads, kvHeads: kvHeads,
                                   headSize: headSize, queryStride: queryStride, outputStride: outputStride,
                                   cacheStride: cacheStride, scale: scale, window: window)
        for t in 0..<tokens {
            for h in 0..<heads {
                let query = q + t * shape.queryStride + h * headSize
                let kvOffset = (h / (heads / kvHeads)) * headSize
                let positions = startPosition + t + 1, first = max(0, positions - (window ?? positions))
                var scores = (0..<positions).map { p -> Double in
                    guard p >= first else { return -.infinity }
                    var dot: Double = 0
                    for i in 0..<headSize { dot += Double(query[i]) * Double(keys[p * shape.cacheStride + kvOffset + i]) }
                    return dot * Double(shape.scale)
                }
                let maximum = scores.max()!
                scores = scores.map { Foundation.exp($0 - maximum) }
                let sum = scores.reduce(0, +)
                for i in 0..<headSize {
                    var value: Double = 0
                    for p in 0..<positions { value += scores[p] * Double(values[p * shape.cacheStride + kvOffset + i]) }
                    out[t * shape.outputStride + h * headSize + i] = Float(value / sum)
                }
            }
        }
    }

    /// The f16-cache twin: widens the cache to f32 and runs the f32 reference.
    public static func attention(
        _ out: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>,
        _ keys: UnsafePointer<Float16>, _ values: UnsafePointer<Float16>,
        startPosition: Int, tokens: Int, heads: Int, kvHeads: Int, headSize: Int,
        queryStride: Int? = nil, outputStride: Int? = nil, cacheStride: Int? = nil, scale: Float? = nil,
        window: Int? = nil, pool: ThreadPool? = nil, path: KernelPath = .active
    ) {
        let stride = cacheStride ?? kvHeads * headSize
        let count = (startPosition + tokens - 1) * stride + kvHeads * headSize
        let wideKeys = (0..<count).map { Float(keys[$0]) }, wideValues = (0..<count).map { Float(values[$0]) }
        attention(out, q, wideKeys, wideValues, startPosition: startPosition, tokens: tokens, heads: heads,
                  kvHeads: kvHeads, headSize: headSize, queryStride: queryStride, outputStride: outputStride,
                  cacheStride: stride, scale: scale, window: window)
    }

    public static func convert(
        _ out: UnsafeMutablePointer<Float16>, _ x: UnsafePointer<Float>, count: Int, path: KernelPath = .active
    ) {
        for i in 0..<count { out[i] = Float16(x[i]) }
    }
}
