import Tensors
/// Token embedding lookup: each position's residual stream starts as its token's row of token_embd.
package enum Embedding {
    /// out [N, C] = wte [V, C] rows picked by tokens [N]
    package static func forward(
        _ out: UnsafeMutablePointer<Float>,
        _ tokens: UnsafePointer<Int32>, _ wte: UnsafePointer<Float>,
        _ N: Int, _ C: Int
    ) {
        for n in 0..<N {
            (out + n * C).update(from: wte + Int(tokens[n]) * C, count: C)
        }
    }

    /// dwte [V, C] += dout [N, C] scattered back to each position's token row, in position order
    /// (a fixed order, so repeated tokens accumulate the same way every run).
    package static func backward(
        _ dwte: UnsafeMutablePointer<Float>,
        _ dout: UnsafePointer<Float>, _ tokens: UnsafePointer<Int32>,
        _ N: Int, _ C: Int
    ) {
        for n in 0..<N {
            VectorMath.add(dwte + Int(tokens[n]) * C, dout + n * C, C)
        }
    }
}
