/// The sizes and strides of one attention call, resolved once, and the loop over (token, head) pairs
/// shared by the f32 and f16 cache variants.
struct AttentionShape {
    static let tileSize = 64

    let startPosition, tokens, heads, kvHeads, headSize: Int
    let queryStride, outputStride, cacheStride: Int
    let scale: Float

    init(startPosition: Int, tokens: Int, heads: Int, kvHeads: Int, headSize: Int,
         queryStride: Int?, outputStride: Int?, cacheStride: Int?, scale: Float?) {
        precondition(kvHeads > 0 && heads % kvHeads == 0 && startPosition >= 0 && tokens >= 0 && headSize > 0)
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

    /// Calls body(out, q, kv offset, positions, tile) for every (token, head), over the pool when the work
    /// is large enough; the 64-float tile is on each participant's stack.
    @inline(__always)
    func forEachHead(
        out: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>, pool: ThreadPool?,
        _ body: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, Int, Int, UnsafeMutablePointer<Float>) -> Void
    ) {
        let group = heads / kvHeads
        func run(_ items: Range<Int>) {
            withUnsafeTemporaryAllocation(of: Float.self, capacity: Self.tileSize) { tile in
                for item in items {
                    let (t, h) = item.quotientAndRemainder(dividingBy: heads)
                    body(out + t * outputStride + h * headSize, q + t * queryStride + h * headSize,
                         (h / group) * headSize, startPosition + t + 1, tile.baseAddress!)
                }
            }
        }
        let work = tokens * heads * (startPosition + (tokens + 1) / 2) * headSize
        if let pool, pool.threadCount > 1, work >= Kernel.minimumParallelAttentionWork {
            pool.parallelFor(tokens * heads, grain: 1, run)
        } else {
            run(0..<tokens * heads)
        }
    }
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
        VectorMath.addScaled(y, a, row, count)
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
