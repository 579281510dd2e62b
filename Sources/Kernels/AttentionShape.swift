import CKernels
import Tensors

/// The sizes and strides of one attention call, resolved once, and the loop over (token, head) pairs
/// shared by the f32 and f16 cache variants.
struct AttentionShape {
    static let tileSize = 64

    let startPosition, tokens, heads, kvHeads, headSize: Int
    let queryStride, outputStride, cacheStride: Int
    let scale: Float
    /// Positions a query sees, its own included (a sliding window); Int.max for all.
    let window: Int

    init(startPosition: Int, tokens: Int, heads: Int, kvHeads: Int, headSize: Int,
         queryStride: Int?, outputStride: Int?, cacheStride: Int?, scale: Float?, window: Int? = nil) {
        precondition(kvHeads > 0 && heads % kvHeads == 0 && startPosition >= 0 && tokens >= 0 && headSize > 0)
        precondition((window ?? 1) > 0)
        self.window = window ?? .max
        self.startPosition = startPosition
        self.tokens = tokens
        self.heads = heads
        self.kvHeads = kvHeads
        self.headSize = headSize
        self.queryStride = queryStride ?? heads * headSize
        self.outputStride = outputStride ?? heads * headSize
        self.cacheStride = cacheStride ?? kvHeads * headSize
        self.scale = scale ?? 1 / Float(headSize).squareRoot()
    }
}

/// One attention call: every (token, head) pair, run on the caller or spread over a pool. A plain struct
/// with a C-convention entry point, so handing it to the pool allocates nothing.
struct AttentionJob {
    let shape: AttentionShape
    let out: UnsafeMutablePointer<Float>
    let q: UnsafePointer<Float>
    let keys, values: UnsafeRawPointer  // Float or Float16 elements
    let halfCache: Bool
    let path: KernelPath

    /// Query heads per item: on AVX2 all the heads of one KV head, which the kernel serves from one read of each
    /// key and value row; one head elsewhere.
    var headsPerItem: Int { path == .avx2 ? shape.heads / shape.kvHeads : 1 }
    /// Consecutive tokens per item: on AVX2, as many as fill the kernel's four queries per read of the cache
    /// when a KV head has fewer query heads (multi-head attention); one elsewhere.
    var tokensPerItem: Int { path == .avx2 ? max(1, 4 / headsPerItem) : 1 }

    func run(pool: ThreadPool?) {
        let items = (shape.tokens + tokensPerItem - 1) / tokensPerItem * (shape.heads / headsPerItem)
        let work = shape.tokens * shape.heads * min(shape.startPosition + (shape.tokens + 1) / 2, shape.window)
            * shape.headSize
        if let pool, pool.threadCount > 1, items > 1, work >= Kernel.minimumParallelAttentionWork {
            withUnsafePointer(to: self) { pool.parallelFor(items, grain: 1, context: $0, runAttentionChunk) }
        } else {
            run(0..<items)
        }
    }

    /// Items b * (NH / headsPerItem) + i in `items`: heads i * headsPerItem ..< (i + 1) * headsPerItem of tokens
    /// b * tokensPerItem ..< (b + 1) * tokensPerItem; the 64-float score tile of the portable loop lives on this
    /// stack.
    func run(_ items: Range<Int>) {
        let s = shape, group = headsPerItem
        withUnsafeTemporaryAllocation(of: Float.self, capacity: AttentionShape.tileSize) { tile in
            for item in items {
                let (b, i) = item.quotientAndRemainder(dividingBy: s.heads / group)
                let tokens = b * tokensPerItem..<min(s.tokens, (b + 1) * tokensPerItem)
                // Tokens share a call while the window cuts none of them, so that all their rows start at 0.
                if s.startPosition + tokens.upperBound <= s.window {
                    attend(tokens: tokens, heads: i * group..<(i + 1) * group, tile: tile.baseAddress!)
                } else {
                    for t in tokens { attend(tokens: t..<t + 1, heads: i * group..<(i + 1) * group, tile: tile.baseAddress!) }
                }
            }
        }
    }

    /// Heads `heads` (of one KV head when more than one) of tokens `tokens` (more than one only while the window
    /// cuts none of them): the first token's window decides where the keys and values start.
    private func attend(tokens: Range<Int>, heads: Range<Int>, tile: UnsafeMutablePointer<Float>) {
        let s = shape, t = tokens.lowerBound, h = heads.lowerBound
        let target = out + t * s.outputStride + h * s.headSize, query = q + t * s.queryStride + h * s.headSize
        // the window's first position: keys and values start there
        let seen = s.startPosition + t + 1, first = seen - min(seen, s.window), positions = seen - first
        let kvOffset = first * s.cacheStride + (h / (s.heads / s.kvHeads)) * s.headSize
        let elementBytes = halfCache ? MemoryLayout<UInt16>.size : MemoryLayout<Float>.size
        let k = keys + kvOffset * elementBytes, v = values + kvOffset * elementBytes
        let (half, full) = (UInt16.self, Float.self)
        switch path {
        case .avx512 where halfCache:
            ck_attend_f16_avx512(target, query, k.assumingMemoryBound(to: half), v.assumingMemoryBound(to: half), positions,
                                 s.headSize, s.cacheStride, s.scale)
        case .avx512:
            ck_attend_avx512(target, query, k.assumingMemoryBound(to: full), v.assumingMemoryBound(to: full), positions,
                             s.headSize, s.cacheStride, s.scale)
        case .avx2 where halfCache:
            ck_attend_f16_avx2(target, query, heads.count, tokens.count, k.assumingMemoryBound(to: half),
                               v.assumingMemoryBound(to: half), positions, s.headSize, s.cacheStride, s.queryStride,
                               s.outputStride, s.scale)
        case .avx2:
            ck_attend_avx2(target, query, heads.count, tokens.count, k.assumingMemoryBound(to: full),
                           v.assumingMemoryBound(to: full), positions, s.headSize, s.cacheStride, s.queryStride,
                           s.outputStride, s.scale)
        case .portable where halfCache:
            Kernel.attendOne(target, query, k.assumingMemoryBound(to: Float16.self), v.assumingMemoryBound(to: Float16.self),
                             tile, positions: positions, shape: s)
        case .portable:
            Kernel.attendOne(target, query, k.assumingMemoryBound(to: full), v.assumingMemoryBound(to: full), tile,
                             positions: positions, shape: s)
        }
    }
}

private func runAttentionChunk(_ context: UnsafeRawPointer, _ begin: Int, _ end: Int) {
    context.load(as: AttentionJob.self).run(begin..<end)
}

/// A KV-cache element type the portable attention loop can read as f32.
protocol CacheScalar {
    static func dot(_ q: UnsafePointer<Float>, _ row: UnsafePointer<Self>, _ count: Int) -> Float
    static func addScaled(_ y: UnsafeMutablePointer<Float>, _ a: Float, _ row: UnsafePointer<Self>, _ count: Int)
}

extension Float: CacheScalar {
    @inline(__always)
    static func dot(_ q: UnsafePointer<Float>, _ row: UnsafePointer<Float>, _ count: Int) -> Float {
        VectorMath.dot(q, row, count)
    }

    @inline(__always)
    static func addScaled(_ y: UnsafeMutablePointer<Float>, _ a: Float, _ row: UnsafePointer<Float>, _ count: Int) {
        VectorMath.addScaled(y, row, a, count)
    }
}

extension Float16: CacheScalar {
    static func dot(_ q: UnsafePointer<Float>, _ row: UnsafePointer<Float16>, _ count: Int) -> Float {
        var sum: Float = 0
        for i in 0..<count { sum += q[i] * widen(row[i].bitPattern) }
        return sum
    }

    static func addScaled(_ y: UnsafeMutablePointer<Float>, _ a: Float, _ row: UnsafePointer<Float16>, _ count: Int) {
        for i in 0..<count { y[i] += a * widen(row[i].bitPattern) }
    }

    /// f16 bits to f32 with integer and float ops only: `Float(Float16)` is a library call per value on
    /// baseline x86-64, 50x slower. Shifting the 15 magnitude bits into place and scaling by 2^112 rebases
    /// the exponent and normalizes subnormals; results >= 2^16 were infinities or NaNs.
    @inline(__always)
    package static func widen(_ h: UInt16) -> Float {
        let bits = UInt32(h)
        let magnitude = Float(bitPattern: (bits & 0x7FFF) << 13) * Float(bitPattern: 0x7780_0000)
        let special = magnitude >= 65536 ? magnitude.bitPattern | 0x7F80_0000 : magnitude.bitPattern
        return Float(bitPattern: special | (bits & 0x8000) << 16)
    }
}
