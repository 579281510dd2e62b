import Kernels
import Tensors

/// The gated feed-forward nonlinearity: out = act(gate) * up. (The gate, up and down projections are
/// plain `Matmul`s around it.) Both activations have the form act(x) = x * sigmoid(z(x)):
///   SiLU (Llama's SwiGLU):   z = x
///   GELU, tanh form (Gemma): z = 2 k (x + 0.044715 x^3), k = sqrt(2/pi), since 0.5 (1 + tanh(u)) = sigmoid(2u)
/// so act'(x) = s + x s (1 - s) z'(x) with s = sigmoid(z).
package enum GatedUnit {
    /// out [N, F] = act(gate [N, F]) * up [N, F]
    package static func forward(
        _ out: UnsafeMutablePointer<Float>,
        _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>,
        _ count: Int, activation: GateActivation
    ) {
        Parallel.forEachChunk(rows: count / 16, minimumRowsPerChunk: 1024) { blocks in
            for block in blocks {
                let i = block * 16
                let x = VectorMath.load(gate + i)
                let s = 1 / (1 + simdExp(-z(x, activation)))
                VectorMath.store(x * s * VectorMath.load(up + i), out + i)
            }
        }
        for i in (count / 16 * 16)..<count {
            let x = gate[i]
            let s = 1 / (1 + VectorMath.exp(-z(x, activation)))
            out[i] = x * s * up[i]
        }
    }

    /// dup += dout * act(gate)
    /// dgate += dout * up * act'(gate)
    package static func backward(
        _ dgate: UnsafeMutablePointer<Float>, _ dup: UnsafeMutablePointer<Float>,
        _ dout: UnsafePointer<Float>, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>,
        _ count: Int, activation: GateActivation
    ) {
        Parallel.forEachChunk(rows: count / 16, minimumRowsPerChunk: 1024) { blocks in
            for block in blocks {
                let i = block * 16
                let x = VectorMath.load(gate + i), d = VectorMath.load(dout + i)
                let s = 1 / (1 + simdExp(-z(x, activation)))
                VectorMath.store(VectorMath.load(dup + i) + d * x * s, dup + i)
                let dact = s + x * s * (1 - s) * dz(x, activation)
                VectorMath.store(VectorMath.load(dgate + i) + d * VectorMath.load(up + i) * dact, dgate + i)
            }
        }
        for i in (count / 16 * 16)..<count {
            let x = gate[i]
            let s = 1 / (1 + VectorMath.exp(-z(x, activation)))
            dup[i] += dout[i] * x * s
            dgate[i] += dout[i] * up[i] * (s + x * s * (1 - s) * dz(x, activation))
        }
    }

    private static let twoK: Float = 2 * 0.797_884_560_802_865_4  // 2 sqrt(2/pi)
    private static let cubic: Float = 0.044_715

    @inline(__always)
    private static func z<V: SIMD>(_ x: V, _ activation: GateActivation) -> V where V.Scalar == Float {
        switch activation {
        case .silu: x
        case .geluTanh: twoK * (x + cubic * x * x * x)
        }
    }

    @inline(__always)
    private static func dz<V: SIMD>(_ x: V, _ activation: GateActivation) -> V where V.Scalar == Float {
        switch activation {
        case .silu: V(repeating: 1)
        case .geluTanh: twoK * (1 + 3 * cubic * x * x)
        }
    }

    @inline(__always)
    private static func z(_ x: Float, _ activation: GateActivation) -> Float {
        switch activation {
        case .silu: x
        case .geluTanh: twoK * (x + cubic * x * x * x)
        }
    }

    @inline(__always)
    private static func dz(_ x: Float, _ activation: GateActivation) -> Float {
        switch activation {
        case .silu: 1
        case .geluTanh: twoK * (1 + 3 * cubic * x * x)
        }
    }
}
