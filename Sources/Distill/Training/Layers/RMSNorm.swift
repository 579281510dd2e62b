import Kernels
import Tensors

/// RMSNorm for training: the forward is the engine's kernel (`Kernel.rmsNorm`), keeping each row's inverse
/// RMS for the backward.
package enum RMSNorm {
    /// out [N, C] = inp * rstd * weight [C]; rstd [N] = 1 / sqrt(mean(inp^2) + eps), kept for backward.
    package static func forward(
        _ out: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>,
        _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
        _ N: Int, _ C: Int, eps: Float
    ) {
        Parallel.forEachChunk(rows: N, minimumRowsPerChunk: 64) { rows in
            Kernel.rmsNorm(out + rows.lowerBound * C, inp + rows.lowerBound * C, weight, rows: rows.count, columns: C,
                           epsilon: eps, inverseRMS: rstd + rows.lowerBound)
        }
    }

    /// With xhat = inp * rstd and g = dout * weight:
    ///   dweight [C] += sum over rows of dout * xhat
    ///   dinp [N, C] += rstd * (g - xhat * mean(g * xhat))
    /// dweight is summed per chunk first and the chunks added in order, so it is reproducible.
    package static func backward(
        _ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>,
        _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
        _ rstd: UnsafePointer<Float>,
        _ N: Int, _ C: Int
    ) {
        let chunks = Parallel.chunkCount(rows: N, minimumRowsPerChunk: 64)
        let partial = FloatBuffer(count: chunks * C)  // [chunks, C] dweight per chunk
        Parallel.forEachChunk(rows: chunks, minimumRowsPerChunk: 1) { chunkRange in
            for chunk in chunkRange {
                let dw = partial.pointer + chunk * C
                for n in Parallel.chunkRange(chunk, of: chunks, rows: N) {
                    backwardRow(dinp + n * C, dw, dout + n * C, inp + n * C, weight, rstd[n], C)
                }
            }
        }
        for chunk in 0..<chunks { VectorMath.add(dweight, partial.pointer + chunk * C, C) }
    }

    private static func backwardRow(
        _ dx: UnsafeMutablePointer<Float>, _ dw: UnsafeMutablePointer<Float>,
        _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
        _ s: Float, _ C: Int
    ) {
        // mean(g * xhat) = s * mean(dy * weight * x)
        var acc = Float16x()
        var i = 0
        while i + 16 <= C {
            acc += VectorMath.load(dy + i) * VectorMath.load(weight + i) * VectorMath.load(x + i)
            i += 16
        }
        var gx = acc.sum()
        while i < C { gx += dy[i] * weight[i] * x[i]; i += 1 }
        let meanGXhat = gx * s / Float(C)
        let vs = Float16x(repeating: s), vm = Float16x(repeating: meanGXhat)
        i = 0
        while i + 16 <= C {
            let xhat = VectorMath.load(x + i) * vs
            let d = VectorMath.load(dy + i)
            VectorMath.store(VectorMath.load(dw + i) + d * xhat, dw + i)
            let g = d * VectorMath.load(weight + i)
            VectorMath.store(VectorMath.load(dx + i) + vs * (g - xhat * vm), dx + i)
            i += 16
        }
        while i < C {
            let xhat = x[i] * s
            dw[i] += dy[i] * xhat
            dx[i] += s * (dy[i] * weight[i] - xhat * meanGXhat)
            i += 1
        }
    }
}
