#if canImport(Glibc)
import Glibc
#endif
import Tensors

/// Rotary position embedding as llama.cpp computes it: pair i turns by position * base^(-2i/R),
/// the angle built by repeated multiplication in f32 so our rounding follows ggml's.
enum RoPELikeGGML {
    /// cos[R/2], sin[R/2] of one position's angles.
    static func angles(cos: UnsafeMutablePointer<Float>, sin: UnsafeMutablePointer<Float>,
                       position: Int, base: Float, dimensionCount: Int) {
        let step = powf(base, -2 / Float(dimensionCount))
        var theta = Float(position)
        for i in 0..<dimensionCount / 2 {
            cos[i] = cosf(theta)
            sin[i] = sinf(theta)
            theta *= step
        }
    }

    /// Rotates the first R channels of each of `heads` heads x[heads, HS] in place.
    static func rotate(_ x: UnsafeMutablePointer<Float>, heads: Int, headSize: Int, dimensionCount: Int,
                       style: RoPEStyle, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>) {
        let half = dimensionCount / 2
        for h in 0..<heads {
            let head = x + h * headSize
            for i in 0..<half {
                // the two channels that turn together
                let (a, b) = style == .adjacentPairs ? (2 * i, 2 * i + 1) : (i, i + half)
                // fused the way GCC contracts ggml's `x0*cos - x1*sin`, so we round where llama.cpp does
                let x0 = head[a], x1 = head[b]
                head[a] = (-(x1 * sin[i])).addingProduct(x0, cos[i])
                head[b] = (x1 * cos[i]).addingProduct(x0, sin[i])
            }
        }
    }
}
