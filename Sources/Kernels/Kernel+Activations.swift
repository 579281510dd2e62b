import CKernels
import Foundation
import Tensors

extension Kernel {
    /// out = softmax(x) over `count` values, stable (max subtracted first). out may alias x.
    public static func softmax(
        _ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int, path: KernelPath = .active
    ) {
        guard count > 0 else { return }
        switch checked(path) {
        case .avx512: return ck_softmax_avx512(out, x, count)
        case .avx2: return ck_softmax_avx2(out, x, count)
        case .portable: break
        }
        let maximum = VectorMath.max(x, count)
        for i in 0..<count { out[i] = VectorMath.exp(x[i] - maximum) }
        let inverse = 1 / VectorMath.sum(out, count)
        for i in 0..<count { out[i] *= inverse }
    }

    /// out = silu(gate) * up = gate / (1 + e^-gate) * up, elementwise. out may alias gate or up.
    /// Reading gate and up as the two halves of one stacked product keeps it one pass: gate = h, up = h + FF.
    public static func swiGLU(
        _ out: UnsafeMutablePointer<Float>, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>, count: Int,
        path: KernelPath = .active
    ) {
        switch checked(path) {
        case .avx512: return ck_swiglu_avx512(out, gate, up, count)
        case .avx2: return ck_swiglu_avx2(out, gate, up, count)
        case .portable: break
        }
        for i in 0..<count {
            let g = gate[i]
            out[i] = g / (1 + VectorMath.exp(-g)) * up[i]
        }
    }
}

extension NaiveKernel {
    public static func softmax(
        _ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int, path: KernelPath = .active
    ) {
        guard count > 0 else { return }
        var maximum = -Float.infinity
        for i in 0..<count { maximum = max(maximum, x[i]) }
        var sum: Double = 0
        for i in 0..<count {
            out[i] = Float(Foundation.exp(Double(x[i] - maximum)))
            sum += Double(out[i])
        }
        for i in 0..<count { out[i] = Float(Double(out[i]) / sum) }
    }

    public static func swiGLU(
        _ out: UnsafeMutablePointer<Float>, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>, count: Int,
        path: KernelPath = .active
    ) {
        for i in 0..<count {
            let g = Double(gate[i])
            out[i] = Float(g / (1 + Foundation.exp(-g)) * Double(up[i]))
        }
    }
}

extension Kernel {
    /// e^x as the softmax and SwiGLU kernels compute it (within 2 ulp on [-87.3, 88]).
    public static func exp(_ x: Float) -> Float { VectorMath.exp(x) }
}
