import Kernels
import Tensors

/// Rotary position embedding of training batches: the int8 engine's table and kernel (`Kernel.rope`), applied
/// to every sequence of the batch from position 0.
package enum RoPE {
    /// x [B, T, H, HS] rotated in place; position is t (every sequence starts at 0).
    package static func forward(_ x: UnsafeMutablePointer<Float>, _ table: RoPETable, _ B: Int, _ T: Int, _ H: Int, _ HS: Int) {
        rotate(x, table, B, T, H, HS, inverse: false)
    }

    /// The rotation is orthogonal, so its backward is the inverse rotation of the gradient:
    /// dx [B, T, H, HS] rotated by -theta in place.
    package static func backward(_ dx: UnsafeMutablePointer<Float>, _ table: RoPETable, _ B: Int, _ T: Int, _ H: Int, _ HS: Int) {
        rotate(dx, table, B, T, H, HS, inverse: true)
    }

    private static func rotate(
        _ x: UnsafeMutablePointer<Float>, _ table: RoPETable, _ B: Int, _ T: Int, _ H: Int, _ HS: Int, inverse: Bool
    ) {
        Parallel.forEachChunk(rows: B * T, minimumRowsPerChunk: 64) { rows in
            for n in rows {
                Kernel.rope(x + n * H * HS, table, startPosition: n % T, tokens: 1, heads: H, headSize: HS, inverse: inverse)
            }
        }
    }
}
