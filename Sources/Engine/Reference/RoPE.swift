#if canImport(Glibc)
import Glibc
#endif
import Tensors

/// Rotary position embedding: pair i of a head's first R channels turns by position * base^(-2i/R).
enum RoPE {
    /// cos[R/2], sin[R/2] of one position's angles, computed in double.
    static func angles(cos: UnsafeMutablePointer<Float>, sin: UnsafeMutablePointer<Float>,
                       position: Int, base: Float, dimensionCount: Int) {
        for i in 0..<dimensionCount / 2 {
            let theta = Double(position) * pow(Double(base), -2 * Double(i) / Double(dimensionCount))
            cos[i] = Float(Glibc.cos(theta))
            sin[i] = Float(Glibc.sin(theta))
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
                let x0 = head[a], x1 = head[b]
                head[a] = x0 * cos[i] - x1 * sin[i]
                head[b] = x0 * sin[i] + x1 * cos[i]
            }
        }
    }
}
