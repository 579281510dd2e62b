/// Llama's gated feed-forward nonlinearity: out = silu(gate) * up, silu(x) = x * sigmoid(x).
/// (The gate, up and down projections are plain `Matmul`s around it.)
package enum SwiGLU {
    /// out [N, F] = silu(gate [N, F]) * up [N, F]
    package static func forward(
        _ out: UnsafeMutablePointer<Float>,
        _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>,
        _ count: Int
    ) {
        Parallel.forEachChunk(rows: count / 16, minimumRowsPerChunk: 1024) { blocks in
            for block in blocks {
                let i = block * 16
                let x = VectorMath.load(gate + i)
                let sigmoid = 1 / (1 + simdExp(-x))
                VectorMath.store(x * sigmoid * VectorMath.load(up + i), out + i)
            }
        }
        for i in (count / 16 * 16)..<count {
            let sigmoid = 1 / (1 + scalarExp(-gate[i]))
            out[i] = gate[i] * sigmoid * up[i]
        }
    }

    /// dup += dout * silu(gate)
    /// dgate += dout * up * silu'(gate), silu'(x) = s + x s (1 - s) with s = sigmoid(x)
    package static func backward(
        _ dgate: UnsafeMutablePointer<Float>, _ dup: UnsafeMutablePointer<Float>,
        _ dout: UnsafePointer<Float>, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>,
        _ count: Int
    ) {
        Parallel.forEachChunk(rows: count / 16, minimumRowsPerChunk: 1024) { blocks in
            for block in blocks {
                let i = block * 16
                let x = VectorMath.load(gate + i), d = VectorMath.load(dout + i)
                let s = 1 / (1 + simdExp(-x))
                VectorMath.store(VectorMath.load(dup + i) + d * x * s, dup + i)
                let dsilu = s + x * s * (1 - s)
                VectorMath.store(VectorMath.load(dgate + i) + d * VectorMath.load(up + i) * dsilu, dgate + i)
            }
        }
        for i in (count / 16 * 16)..<count {
            let x = gate[i]
            let s = 1 / (1 + scalarExp(-x))
            dup[i] += dout[i] * x * s
            dgate[i] += dout[i] * up[i] * (s + x * s * (1 - s))
        }
    }
}
