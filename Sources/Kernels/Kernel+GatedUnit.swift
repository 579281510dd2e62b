import CKernels
import Foundation
import Tensors

/// The nonlinearity of a gated feed-forward unit, out = act(gate) * up: what differs between LLaMA's
/// SwiGLU and Gemma's GeGLU.
public enum GateActivation: Sendable {
    /// silu(g) = g sigmoid(g): LLaMA.
    case silu
    /// GELU with its tanh approximation: Gemma.
    case geluTanh
}

extension Kernel {
    /// out = gelu(gate) * up with GELU's tanh approximation, written g sigmoid(2 sqrt(2/pi) (g + 0.044715 g³))
    /// (one exp, no tanh). out may alias gate or up.
    public static func geGLU(
        _ out: UnsafeMutablePointer<Float>, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>, count: Int,
        path: KernelPath = .active
    ) {
        switch checked(path) {
        case .avx512: return ck_geglu_avx512(out, gate, up, count)
        case .avx2: return ck_geglu_avx2(out, gate, up, count)
        case .portable: break
        }
        for i in 0..<count {
            let g = gate[i]
            out[i] = g / (1 + VectorMath.exp(-1.595_769_1 * g * (1 + 0.044_715 * g * g))) * up[i]
        }
    }

    /// out = act(gate) * up, elementwise.
    public static func gatedUnit(
        _ out: UnsafeMutablePointer<Float>, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>, count: Int,
        activation: GateActivation, path: KernelPath = .active
    ) {
        switch activation {
        case .silu: swiGLU(out, gate, up, count: count, path: path)
        case .geluTanh: geGLU(out, gate, up, count: count, path: path)
        }
    }

    /// The gated unit written straight into int8 activations for the down projection.
    /// gate, up: (T, FF) rows at gate + t * stride (default FF); out holds T rows afterwards.
    public static func gatedUnit(
        _ out: Q8Activations, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>,
        rows: Int, columns: Int, stride: Int? = nil, activation: GateActivation, path: KernelPath = .active
    ) {
        precondition(rows <= out.capacity)
        out.setRows(rows)
        gatedUnit(out, gate, up, rowRange: 0..<rows, columns: columns, stride: stride, activation: activation, path: path)
    }

    /// The same for rows `rowRange` only, which threads splitting the rows call side by side once
    /// `out.setRows` covers them.
    public static func gatedUnit(
        _ out: Q8Activations, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>,
        rowRange: Range<Int>, columns: Int, stride: Int? = nil, activation: GateActivation, path: KernelPath = .active
    ) {
        precondition(columns == out.columns && rowRange.upperBound <= out.rows)
        let stride = stride ?? columns, path = checked(path)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: rowPiece) { piece in
            let piece = piece.baseAddress!
            for t in rowRange {
                for first in Swift.stride(from: 0, to: columns, by: rowPiece) {
                    let count = min(rowPiece, columns - first)
                    gatedUnit(piece, gate + t * stride + first, up + t * stride + first, count: count,
                              activation: activation, path: path)
                    out.quantizeBlocks((t * columns + first) / 32, count: count / 32, piece, path: path)
                }
            }
        }
    }

    /// SwiGLU written straight into int8 activations (`gatedUnit` with SiLU).
    public static func swiGLU(
        _ out: Q8Activations, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>,
        rows: Int, columns: Int, stride: Int? = nil, path: KernelPath = .active
    ) {
        gatedUnit(out, gate, up, rows: rows, columns: columns, stride: stride, activation: .silu, path: path)
    }
}

extension NaiveKernel {
    public static func geGLU(
        _ out: UnsafeMutablePointer<Float>, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>, count: Int,
        path: KernelPath = .active
    ) {
        for i in 0..<count {
            let g = Double(gate[i])
            out[i] = Float(0.5 * g * (1 + Foundation.tanh(0.797_884_560_802_865_4 * (g + 0.044_715 * g * g * g))) * Double(up[i]))
        }
    }

    public static func gatedUnit(
        _ out: Q8Activations, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>,
        rows: Int, columns: Int, stride: Int? = nil, activation: GateActivation, path: KernelPath = .active
    ) {
        let stride = stride ?? columns
        var activated = [Float](repeating: 0, count: rows * columns)
        activated.withUnsafeMutableBufferPointer { activated in
            for t in 0..<rows {
                let target = activated.baseAddress! + t * columns
                switch activation {
                case .silu: swiGLU(target, gate + t * stride, up + t * stride, count: columns)
                case .geluTanh: geGLU(target, gate + t * stride, up + t * stride, count: columns)
                }
            }
        }
        out.quantize(activated, rows: rows)
    }

    public static func swiGLU(
        _ out: Q8Activations, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>,
        rows: Int, columns: Int, stride: Int? = nil, path: KernelPath = .active
    ) {
        gatedUnit(out, gate, up, rows: rows, columns: columns, stride: stride, activation: .silu, path: path)
    }
}
