/// Row-wise versions of the forward steps over T tokens stored as rows.
enum BatchOps {
    /// out[T, N] = rmsnorm of each row of x[T, N]
    static func rmsnorm(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                        t: Int, n: Int, epsilon: Float) {
        for i in 0..<t { Ops.rmsnorm(out + i * n, x + i * n, weight, n, epsilon: epsilon) }
    }

    /// out[T, D] = x[T, N] · W[D, N]ᵀ, all rows contiguous.
    static func project(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: Matrix, t: Int) {
        let n = w.columns, d = w.rows
        BLAS.matmulTransposed(out, outStride: d, x, xStride: n, w.pointer, wStride: n, t: t, n: n, d: d)
    }
}

/// RoPE angles of T consecutive positions, computed once per base and applied to row after row.
struct BatchRoPE {
    let cos: UnsafeMutablePointer<Float>    // [T, R / 2]
    let sin: UnsafeMutablePointer<Float>    // [T, R / 2]
    let t: Int
    let config: ModelConfig

    init(scratch: BatchScratch, config: ModelConfig, start: Int, t: Int, base: Float) {
        let half = config.ropeDimensionCount / 2
        cos = scratch.ropeCos.pointer
        sin = scratch.ropeSin.pointer
        self.t = t
        self.config = config
        for i in 0..<t {
            RoPE.angles(cos: cos + i * half, sin: sin + i * half, position: start + i, base: base,
                        dimensionCount: config.ropeDimensionCount)
        }
    }

    /// Rotates x[T, heads * HS] in place, row i at position start + i.
    func rotate(_ x: UnsafeMutablePointer<Float>, heads: Int) {
        let half = config.ropeDimensionCount / 2, rowLength = heads * config.headSize
        for i in 0..<t {
            RoPE.rotate(x + i * rowLength, heads: heads, headSize: config.headSize,
                        dimensionCount: config.ropeDimensionCount, style: config.ropeStyle,
                        cos: cos + i * half, sin: sin + i * half)
        }
    }
}
