import Foundation
import Tensors

extension Kernel {
    /// Rotates the first `table.dimensions` values of every head in place.
    /// x: (T, H, HS), token t at x + t * tokenStride (default H * HS), at position startPosition + t.
    /// `inverse` turns by -θ: the rotation is orthogonal, so that is the backward of the forward.
    public static func rope(
        _ x: UnsafeMutablePointer<Float>, _ table: RoPETable,
        startPosition: Int, tokens: Int, heads: Int, headSize: Int, tokenStride: Int? = nil, inverse: Bool = false
    ) {
        let stride = tokenStride ?? heads * headSize
        let pairs = table.dimensions / 2
        precondition(table.dimensions <= headSize && startPosition >= 0 && startPosition + tokens <= table.maxPositions)
        for t in 0..<tokens {
            rope(x + t * stride, heads: heads, headSize: headSize, dimensions: table.dimensions, style: table.style,
                 cos: table.cosines.pointer + (startPosition + t) * pairs, sin: table.sines.pointer + (startPosition + t) * pairs,
                 inverse: inverse)
        }
    }

    /// Rotates the first `dimensions` values of each of `heads` heads x[heads, HS] of one token in place by the
    /// angles cos[D/2], sin[D/2] (`RoPETable.angles`).
    public static func rope(
        _ x: UnsafeMutablePointer<Float>, heads: Int, headSize: Int, dimensions: Int, style: RoPEStyle,
        cos cosines: UnsafePointer<Float>, sin sines: UnsafePointer<Float>, inverse: Bool = false
    ) {
        let pairs = dimensions / 2
        let direction: Float = inverse ? -1 : 1
        for h in 0..<heads {
            let head = x + h * headSize
            switch style {
            case .adjacentPairs:
                for i in 0..<pairs {
                    let a = head[2 * i], b = head[2 * i + 1], c = cosines[i], s = direction * sines[i]
                    head[2 * i] = a * c - b * s
                    head[2 * i + 1] = a * s + b * c
                }
            case .halves:
                for i in 0..<pairs {
                    let a = head[i], b = head[i + pairs], c = cosines[i], s = direction * sines[i]
                    head[i] = a * c - b * s
                    head[i + pairs] = a * s + b * c
                }
            }
        }
    }
}

extension NaiveKernel {
    /// Recomputes every angle and product in double, ignoring the table's values: the oracle the table and
    /// `Kernel.rope` are tested against.
    public static func rope(
        _ x: UnsafeMutablePointer<Float>, _ table: RoPETable,
        startPosition: Int, tokens: Int, heads: Int, headSize: Int, tokenStride: Int? = nil, inverse: Bool = false
    ) {
        let stride = tokenStride ?? heads * headSize
        let direction: Double = inverse ? -1 : 1
        let dimensions = table.dimensions, pairs = dimensions / 2
        for t in 0..<tokens {
            for h in 0..<heads {
                let head = x + t * stride + h * headSize
                for i in 0..<pairs {
                    let theta = direction * Double(startPosition + t) * pow(Double(table.base), -2 * Double(i) / Double(dimensions))
                    let (first, second) = table.style == .adjacentPairs ? (2 * i, 2 * i + 1) : (i, i + pairs)
                    let a = Double(head[first]), b = Double(head[second])
                    head[first] = Float(a * cos(theta) - b * sin(theta))
                    head[second] = Float(a * sin(theta) + b * cos(theta))
                }
            }
        }
    }
}
