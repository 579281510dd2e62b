import Engine
import Foundation
import Tensors

/// Global L2 norm of the gradient, and scaling to a maximum norm (Pascanu et al. 2013).
enum GradientClipping {
    /// Sums squares per fixed chunk, then the chunks in order, in Double: reproducible and accurate.
    static func globalNorm(_ gradients: FloatBuffer) -> Double {
        let chunkSize = 1 << 16
        let chunks = (gradients.count + chunkSize - 1) / chunkSize
        var partial = [Double](repeating: 0, count: chunks)
        partial.withUnsafeMutableBufferPointer { out in
            let out = out.baseAddress!
            Parallel.forEachChunk(rows: chunks, minimumRowsPerChunk: 1) { range in
                for chunk in range {
                    let start = chunk * chunkSize, count = min(chunkSize, gradients.count - start)
                    out[chunk] = Double(VectorMath.dot(gradients.pointer + start, gradients.pointer + start, count))
                }
            }
        }
        return partial.reduce(0, +).squareRoot()
    }

    /// Scales gradients so their norm is at most maxNorm; returns the norm before clipping.
    static func clip(_ gradients: FloatBuffer, maxNorm: Float) -> Double {
        let norm = globalNorm(gradients)
        if maxNorm > 0, norm > Double(maxNorm) {
            VectorMath.scale(gradients.pointer, gradients.pointer, Float(Double(maxNorm) / norm), gradients.count)
        }
        return norm
    }
}
