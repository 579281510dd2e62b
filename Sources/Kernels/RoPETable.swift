import Foundation
import Tensors

/// cos and sin of θᵢ = p · base^(-2i/D) for every position p < P and pair i < D/2, computed once in
/// double so the kernel does no trigonometry per token. D is the rotated dimension count (n_rot, at most
/// the head size; dimensions past it pass through).
public final class RoPETable: Sendable {
    public let maxPositions: Int
    public let dimensions: Int
    public let base: Float
    public let style: RoPEStyle
    let cosines: AlignedArray<Float>  // (P, D/2)
    let sines: AlignedArray<Float>    // (P, D/2)

    public init(maxPositions: Int, dimensions: Int, base: Float, style: RoPEStyle = .adjacentPairs) throws(KernelError) {
        guard maxPositions > 0, dimensions > 0, dimensions % 2 == 0 else {
            throw .invalidShape(rows: maxPositions, columns: dimensions)
        }
        self.maxPositions = maxPositions
        self.dimensions = dimensions
        self.base = base
        self.style = style
        let pairs = dimensions / 2
        cosines = AlignedArray(count: maxPositions * pairs)
        sines = AlignedArray(count: maxPositions * pairs)
        for p in 0..<maxPositions {
            Self.angles(cos: cosines.pointer + p * pairs, sin: sines.pointer + p * pairs, position: p, base: base,
                        dimensions: dimensions)
        }
    }

    /// cos[D/2] and sin[D/2] of one position's angles: the table's rows, and the f32 reference's, which
    /// computes them per token for positions without bound.
    public static func angles(cos: UnsafeMutablePointer<Float>, sin: UnsafeMutablePointer<Float>,
                              position: Int, base: Float, dimensions: Int) {
        for i in 0..<dimensions / 2 {
            let theta = Double(position) * pow(Double(base), -2 * Double(i) / Double(dimensions))
            cos[i] = Float(Foundation.cos(theta))
            sin[i] = Float(Foundation.sin(theta))
        }
    }
}
