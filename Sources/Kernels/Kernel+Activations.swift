import CKernels
import Foundation

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
        let maximum = VectorMath.maximum(x, count)
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

    /// SwiGLU written straight into int8 activations for the down projection.
    /// gate, up: (T, FF) rows at gate + t * stride (default FF); out holds T rows afterwards.
    public static func swiGLU(
        _ out: Q8Activations, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>,
        rows: Int, columns: Int, stride: Int? = nil, path: KernelPath = .active
    ) {
        precondition(columns == out.columns && rows <= out.capacity)
        let stride = stride ?? columns
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 32) { block in
            let block = block.baseAddress!
            for t in 0..<rows {
                for b in 0..<columns / 32 {
                    swiGLU(block, gate + t * stride + b * 32, up + t * stride + b * 32, count: 32, path: path)
                    out.quantizeBlock(t * out.blocks + b, block)
                }
            }
        }
        out.setRows(rows)
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

    public static func swiGLU(
        _ out: Q8Activations, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>,
        rows: Int, columns: Int, stride: Int? = nil, path: KernelPath = .active
    ) {
        let stride = stride ?? columns
        var activated = [Float](repeating: 0, count: rows * columns)
        activated.withUnsafeMutableBufferPointer { activated in
            for t in 0..<rows {
                swiGLU(activated.baseAddress! + t * columns, gate + t * stride, up + t * stride, count: columns)
            }
        }
        out.quantize(activated, rows: rows)
    }
}

extension Kernel {
    /// e^x as the softmax and SwiGLU kernels compute it (within 2 ulp on [-87.3, 88]).
    public static func exp(_ x: Float) -> Float { VectorMath.exp(x) }
}
