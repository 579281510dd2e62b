import Foundation

/// Rotary position embedding as llama.cpp's LLaMA mode applies it: within each head, the adjacent pair
/// (x[2i], x[2i+1]) is rotated by theta = pos * base^(-2i/HS).
package struct RoPETable {
    let halfHeadSize: Int
    let cos: [Float]  // [maxT, HS/2]
    let sin: [Float]  // [maxT, HS/2]

    package init(headSize HS: Int, maxPositions maxT: Int, base: Float) {
        halfHeadSize = HS / 2
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
        table.cos.withUnsafeBufferPointer { cosTable in
            table.sin.withUnsafeBufferPointer { sinTable in
                Parallel.forEachChunk(rows: B * T, minimumRowsPerChunk: 64) { rows in
                    for n in rows {
                        let t = n % T
                        let c = cosTable.baseAddress! + t * HS / 2, s = sinTable.baseAddress! + t * HS / 2
                        for h in 0..<H {
                            let head = x + (n * H + h) * HS
                            for i in 0..<HS / 2 {
                                let x0 = head[2 * i], x1 = head[2 * i + 1]
                                let sn = direction * s[i]
                                head[2 * i] = x0 * c[i] - x1 * sn
                                head[2 * i + 1] = x0 * sn + x1 * c[i]
                            }
                        }
                    }
                }
            }
        }
    }
}
