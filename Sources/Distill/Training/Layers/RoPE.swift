import Engine
import Foundation

/// Rotary position embedding as llama.cpp applies it: within each head, pair i is rotated by
/// theta = pos * base^(-2i/HS). LLaMA's pairs are adjacent (x[2i], x[2i+1]); Gemma's (NEOX) are halves
/// (x[i], x[i + HS/2]).
package struct RoPETable {
    let halfHeadSize: Int
    let style: ModelConfig.RopeStyle
    let cos: [Float]  // [maxT, HS/2]
    let sin: [Float]  // [maxT, HS/2]

    package init(headSize HS: Int, maxPositions maxT: Int, base: Float, style: ModelConfig.RopeStyle = .adjacentPairs) {
        halfHeadSize = HS / 2
        self.style = style
        var cos = [Float](repeating: 0, count: maxT * HS / 2)
        var sin = cos
        for pos in 0..<maxT {
            for i in 0..<HS / 2 {
                let theta = Double(pos) * pow(Double(base), -2 * Double(i) / Double(HS))
                cos[pos * HS / 2 + i] = Float(Foundation.cos(theta))
                sin[pos * HS / 2 + i] = Float(Foundation.sin(theta))
            }
        }
        self.cos = cos
        self.sin = sin
    }
}

package enum RoPE {
    /// x [B, T, H, HS] rotated in place; position is t (every sequence starts at 0).
    package static func forward(_ x: UnsafeMutablePointer<Float>, _ table: RoPETable, _ B: Int, _ T: Int, _ H: Int, _ HS: Int) {
        rotate(x, table, B, T, H, HS, direction: 1)
    }

    /// The rotation is orthogonal, so its backward is the inverse rotation of the gradient:
    /// dx [B, T, H, HS] rotated by -theta in place.
    package static func backward(_ dx: UnsafeMutablePointer<Float>, _ table: RoPETable, _ B: Int, _ T: Int, _ H: Int, _ HS: Int) {
        rotate(dx, table, B, T, H, HS, direction: -1)
    }

    private static func rotate(
        _ x: UnsafeMutablePointer<Float>, _ table: RoPETable, _ B: Int, _ T: Int, _ H: Int, _ HS: Int,
        direction: Float
    ) {
        // pair i is (x[i * stride], x[i * stride + offset])
        let (stride, offset) = table.style == .adjacentPairs ? (2, 1) : (1, HS / 2)
        table.cos.withUnsafeBufferPointer { cosTable in
            table.sin.withUnsafeBufferPointer { sinTable in
                Parallel.forEachChunk(rows: B * T, minimumRowsPerChunk: 64) { rows in
                    for n in rows {
                        let t = n % T
                        let c = cosTable.baseAddress! + t * HS / 2, s = sinTable.baseAddress! + t * HS / 2
                        for h in 0..<H {
                            let head = x + (n * H + h) * HS
                            for i in 0..<HS / 2 {
                                let i0 = i * stride, i1 = i0 + offset
                                let x0 = head[i0], x1 = head[i1]
                                let sn = direction * s[i]
                                head[i0] = x0 * c[i] - x1 * sn
                                head[i1] = x0 * sn + x1 * c[i]
                            }
                        }
                    }
                }
            }
        }
    }
}
