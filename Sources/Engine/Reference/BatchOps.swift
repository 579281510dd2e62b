import Kernels
import Tensors
/// Row-wise versions of the forward steps over T tokens stored as rows.
enum BatchOps {
    /// out[T, N] = rmsnorm of each row of x[T, N]
    static func rmsnorm(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                        t: Int, n: Int, epsilon: Float) {
        Parallel.forEachChunk(t, minimumChunk: 16) { rows in
            NaiveKernel.rmsNorm(out + rows.lowerBound * n, x + rows.lowerBound * n, weight, rows: rows.count, columns: n, epsilon: epsilon)
        }
    }

    /// out[n] += x[n], over all cores.
    static func add(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) {
        Parallel.forEachChunk(n, minimumChunk: 16_384) { range in
            Ops.add(out + range.lowerBound, x + range.lowerBound, range.count)
        }
    }

    /// gate[n] = silu(gate) * up, over all cores.
    static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ n: Int) {
        Parallel.forEachChunk(n, minimumChunk: 16_384) { range in
            Ops.swiglu(gate + range.lowerBound, up + range.lowerBound, range.count)
        }
    }

    /// gate[n] = gelu(gate) * up, over all cores.
    static func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ n: Int) {
        Parallel.forEachChunk(n, minimumChunk: 16_384) { range in
            Ops.geglu(gate + range.lowerBound, up + range.lowerBound, range.count)
        }
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

    init(cos: FloatBuffer, sin: FloatBuffer, config: ModelConfig, start: Int, t: Int, base: Float) {
        let half = config.ropeDimensionCount / 2
        self.cos = cos.pointer
        self.sin = sin.pointer
        self.t = t
        self.config = config
        for i in 0..<t {
            RoPETable.angles(cos: self.cos + i * half, sin: self.sin + i * half, position: start + i, base: base,
                             dimensions: config.ropeDimensionCount)
        }
    }

    /// Rotates x[T, heads * HS] in place, row i at position start + i.
    func rotate(_ x: UnsafeMutablePointer<Float>, heads: Int) {
        let half = config.ropeDimensionCount / 2, rowLength = heads * config.headSize
        Parallel.forEachChunk(t, minimumChunk: 16) { rows in
            for i in rows {
                Kernel.rope(x + i * rowLength, heads: heads, headSize: config.headSize,
                            dimensions: config.ropeDimensionCount, style: config.ropeStyle,
                            cos: cos + i * half, sin: sin + i * half)
            }
        }
    }
}
